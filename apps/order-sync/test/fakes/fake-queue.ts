import type { JobState, Queue } from 'bullmq';
import { OrderJobs } from '../../src/shared/order-jobs';

/** a job handed to FakeQueue.addBulk */
export interface FakeQueuedJob {
  name: string;
  data: unknown;
  opts?: { jobId?: string; delay?: number; priority?: number };
}

/**
 * The part of a BullMQ Queue the order path uses (addBulk, getJobState), in memory. A job added is 'waiting'
 * until a test sets another state in `states`; `failAdds` makes addBulk throw (Redis down).
 */
export class FakeQueue {
  readonly added: FakeQueuedJob[] = [];
  /** job id -> state, for jobs a test says are alive, finished or gone */
  readonly states = new Map<string, JobState | 'unknown'>();
  failAdds = false;

  constructor(readonly name: string) {}

  async addBulk(jobs: FakeQueuedJob[]): Promise<unknown[]> {
    if (this.failAdds) throw new Error(`${this.name}: redis down`);
    this.added.push(...jobs);
    for (const j of jobs) if (j.opts?.jobId && !this.states.has(j.opts.jobId)) this.states.set(j.opts.jobId, 'waiting');
    return jobs;
  }

  async getJobState(jobId: string): Promise<JobState | 'unknown'> {
    return this.states.get(jobId) ?? 'unknown';
  }

  /** the job ids added, in order */
  jobIds(): string[] {
    return this.added.map((j) => j.opts?.jobId ?? '');
  }
}

/** the real OrderJobs (job ids, chunking, priorities) over three FakeQueues */
export function fakeOrderJobs(): { jobs: OrderJobs; orderEvents: FakeQueue; erpPush: FakeQueue; erpIntercept: FakeQueue } {
  const orderEvents = new FakeQueue('order-events');
  const erpPush = new FakeQueue('erp-push');
  const erpIntercept = new FakeQueue('erp-intercept');
  const jobs = new OrderJobs(orderEvents as unknown as Queue, erpPush as unknown as Queue, erpIntercept as unknown as Queue);
  return { jobs, orderEvents, erpPush, erpIntercept };
}
