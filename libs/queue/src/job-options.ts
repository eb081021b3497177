import type { DefaultJobOptions } from 'bullmq';

/**
 * Queue-wide defaults (STYLE rule 6): 8 attempts with exponential backoff from 1 s
 * (1, 2, 4 ... 64 s ≈ 2 min in total), completed jobs kept 1 h / 1,000, failed 7 days / 10,000.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Data points kept by BullMQ worker metrics (one per minute): one day. */
export const WORKER_METRICS_MAX_DATA_POINTS = 24 * 60;
