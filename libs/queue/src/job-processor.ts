import { WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import type { JobName, JobPayloads } from '@app/contracts';

/** One job name's handler: the typed job in, the job's return value (BullMQ stores it) out. */
export type JobHandler<K extends JobName> = (job: Job<JobPayloads[K], unknown, K>, token?: string) => Promise<unknown>;
export type JobHandlers = { [K in JobName]?: JobHandler<K> };

/**
 * The base of every `@Processor`: it names its handlers in one map instead of a `switch` on `job.name`, so the
 * start-up check (JobHandlerCheck) can read which job names each process handles and fail fast when a job name
 * of a queue it works has no handler, or two (ADR 0005). A job whose name has no handler here fails for good.
 */
export abstract class JobProcessor extends WorkerHost {
  abstract readonly handlers: JobHandlers;

  async process(job: Job, token?: string): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as ((job: Job, token?: string) => Promise<unknown>) | undefined;
    if (!handler) throw new UnrecoverableError(`unknown job ${job.name} on ${job.queueName}`);
    return handler(job, token);
  }
}
