import { Logger } from '@nestjs/common';
import { appMetrics, redisErrorLog, runWithRequestId } from '@app/observability';
import { Worker, type Job, type Processor, type WorkerOptions } from 'bullmq';
import type { RedisOptions } from 'bullmq';
import { workerConnection } from './connections';
import { WORKER_METRICS_MAX_DATA_POINTS } from './job-options';

function isPlainOptions(c: unknown): c is RedisOptions {
  return !!c && typeof c === 'object' && typeof (c as { duplicate?: unknown }).duplicate !== 'function';
}

/**
 * The Worker class @nestjs/bullmq instantiates for every `@Processor` (set by QueueModule.forRoot via
 * BullModule.workerClass). It
 *  - turns the queue's (producer) connection options into worker options (maxRetriesPerRequest null, retry forever),
 *  - turns on BullMQ metrics (completed/failed per minute, read by QueueHealthService),
 *  - records omnisync_jobs_processed_total / omnisync_job_duration_seconds,
 *  - runs each job with a correlation id (job.data.requestId, else `job-<id>`),
 *  - logs its errors (connection errors on every reconnect attempt, mostly) at most once per 30 s (redisErrorLog).
 */
export class InstrumentedWorker<D = unknown, R = unknown, N extends string = string> extends Worker<D, R, N> {
  private static readonly log = new Logger('Worker');

  constructor(name: string, processor?: string | URL | null | Processor<D, R, N>, opts: WorkerOptions = {} as WorkerOptions) {
    const wrapped =
      typeof processor === 'function'
        ? (job: Job<D, R, N>, token?: string, signal?: AbortSignal) => {
            const rid = (job.data as { requestId?: unknown } | null)?.requestId;
            return runWithRequestId(typeof rid === 'string' ? rid : `job-${job.id}`, () => processor(job, token, signal));
          }
        : processor;
    super(name, wrapped as Processor<D, R, N>, {
      ...opts,
      // a killed worker's active jobs come back within ~15 s instead of after BullMQ's 30 s + 30 s defaults
      lockDuration: opts.lockDuration ?? 10_000,
      stalledInterval: opts.stalledInterval ?? 5_000,
      // a starved event loop can miss a lock renewal: tolerate a few stalls before failing a job (its rows
      // are in Postgres and every handler is idempotent, so running it again is safe)
      maxStalledCount: opts.maxStalledCount ?? 3,
      connection: isPlainOptions(opts.connection) ? workerConnection(opts.connection) : opts.connection,
      metrics: opts.metrics ?? { maxDataPoints: WORKER_METRICS_MAX_DATA_POINTS },
    });
    const m = appMetrics();
    const record = (job: Job<D, R, N>, outcome: 'completed' | 'failed' | 'retried') => {
      const labels = { queue: name, job: job.name, outcome };
      m.jobsProcessed.inc(labels);
      if (job.processedOn) m.jobDuration.observe(labels, Math.max(0, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000));
    };
    this.on('completed', (job) => record(job, 'completed'));
    this.on('failed', (job, err) => {
      if (!job) return;
      const final = job.finishedOn != null;
      record(job, final ? 'failed' : 'retried');
      InstrumentedWorker.log.warn({
        msg: final ? 'job failed' : 'job attempt failed, will retry',
        queue: name,
        job: job.name,
        jobId: job.id,
        attempt: job.attemptsMade,
        error: err.message,
      });
    });
    // every reconnect attempt while Redis is away is an 'error': one line per worker and 30 s, with the count
    this.on('error', redisErrorLog(name, { logger: InstrumentedWorker.log, msg: 'worker error', level: 'error' }).onError);
  }
}
