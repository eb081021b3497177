import type { Queue } from 'bullmq';
import { ShipmentJobs } from '../../src/shipments/shipment-jobs';

/**
 * ShipmentJobs on an in-memory queue: the job ids added (`added`), a state per job id (`states`; unknown ids
 * are 'unknown', as BullMQ answers for a job it does not hold) and an enqueue that can fail (`failAdds`).
 */
export class FakeShipmentJobs extends ShipmentJobs {
  readonly added: string[] = [];
  readonly states = new Map<string, string>();
  failAdds = false;

  constructor() {
    const double = {
      addBulk: async (jobs: { opts?: { jobId?: string } }[]) => {
        if (this.failAdds) throw new Error('redis down');
        for (const j of jobs) this.added.push(j.opts?.jobId ?? '');
        return [];
      },
      getJobState: async (id: string) => this.states.get(id) ?? 'unknown',
    };
    super(double as unknown as Queue);
  }
}
