import { jobNamesOf, type JobName, type JobPayloads } from '@app/contracts';
import type { Job, JobsOptions, Queue } from 'bullmq';

export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  readonly retryable = true;
}

export type EnqueueOptions = Omit<JobsOptions, 'jobId'> & {
  /** deterministic id (STYLE rule 12): `-` separated, no `:`, not all digits */
  jobId: string;
  /** fail the enqueue after this many ms if Redis does not answer (default 3000) */
  timeoutMs?: number;
};

const BAD_ID = /:|^\d+$/;

/**
 * Typed enqueue: the payload type follows the job name (libs/contracts JobPayloads), the job name
 * must belong to the queue (jobNamesOf). Fails fast with QueueUnavailableError when Redis is down.
 */
export async function enqueue<N extends JobName>(
  queue: Queue,
  name: N,
  data: JobPayloads[N],
  opts: EnqueueOptions,
): Promise<Job<JobPayloads[N], unknown, N>> {
  const allowed = jobNamesOf(queue.name);
  if (!allowed?.includes(name)) throw new Error(`job "${name}" does not belong to queue "${queue.name}"`);
  if (BAD_ID.test(opts.jobId)) throw new Error(`job id "${opts.jobId}" must not contain ":" or be all digits`);
  const { timeoutMs = 3000, ...jobOpts } = opts;
  let timer: NodeJS.Timeout | undefined;
  try {
    return (await Promise.race([
      queue.add(name as never, data as never, jobOpts),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new QueueUnavailableError(`enqueue to ${queue.name} timed out after ${timeoutMs} ms (Redis down?)`)), timeoutMs);
      }),
    ])) as Job<JobPayloads[N], unknown, N>;
  } catch (e) {
    if (e instanceof QueueUnavailableError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|ETIMEDOUT/i.test(msg)) {
      throw new QueueUnavailableError(`enqueue to ${queue.name} failed: ${msg}`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
