import { QUEUE, allQueues, isPlatformPublishQueue, type FixedQueueName, type QueueName } from '@app/contracts';
import { platformNames } from '@app/platforms';
import type { DefaultJobOptions } from 'bullmq';

/**
 * Queue-wide defaults (STYLE rule 6): 8 attempts with exponential backoff from 1 s
 * (1, 2, 4 ... 64 s ≈ 2 min in total), completed jobs kept 1 h / 1,000, failed 7 days / 10,000.
 *
 * The retention caps bound Redis memory whatever the rate: completed jobs are only a console's history (every
 * outcome that matters is in Postgres, and the sweeper re-adds work for rows still pending whether or not the
 * finished job is remembered), failed ones stay longer for ops.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/**
 * Every queue's default job options, in one place: each registration (registerQueues), each FlowProducer job
 * (jobOptionsFor) and each Queue an app creates gets its queue's entry. A test lists them all
 * (job-options.spec.ts) and the app shells check every Queue instance an app holds against this table.
 */
export const QUEUE_JOB_OPTIONS: Readonly<Record<FixedQueueName, DefaultJobOptions>> = {
  [QUEUE.ORDER_EVENTS]: DEFAULT_JOB_OPTIONS,
  [QUEUE.ERP_PUSH]: DEFAULT_JOB_OPTIONS,
  [QUEUE.ERP_INTERCEPT]: DEFAULT_JOB_OPTIONS,
  [QUEUE.SHIPMENTS]: DEFAULT_JOB_OPTIONS,
  // the next poll tick polls the shop again: a poll job that keeps failing is not worth minutes of retries.
  // A poll job is a tick of a job scheduler (every shop every 2-5 s): its completed history is kept to 100, not
  // 1,000, so Redis reaches its plateau in minutes rather than after the better part of an hour (soak run)
  [QUEUE.ORDER_POLL]: { ...DEFAULT_JOB_OPTIONS, attempts: 3, removeOnComplete: { age: 3600, count: 100 } },
  // also every platform's publish queue ({catalog-publish}-to-<platform>, jobOptionsFor)
  [QUEUE.CATALOG_PUBLISH]: DEFAULT_JOB_OPTIONS,
  // a flow parent only collects its children's outcomes
  [QUEUE.CATALOG_PUBLISH_FLOW]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
  [QUEUE.STOCK_SYNC]: DEFAULT_JOB_OPTIONS,
  [QUEUE.PRICE_TIERS]: DEFAULT_JOB_OPTIONS,
  // a completed apply-order-stock job is the consumer's acknowledgement: order-sync's stock-event relay confirms its
  // outbox rows on seeing it completed and removes it then (docs/adr/0014); the caps are only the backstop for a
  // relay that does not look in time (a job removed unseen is added once more, which the idempotent consumer absorbs)
  [QUEUE.STOCK_EVENTS]: { ...DEFAULT_JOB_OPTIONS, removeOnComplete: { age: 24 * 3600, count: 10_000 } },
  [QUEUE.COUPON_SYNC]: DEFAULT_JOB_OPTIONS,
  // as {stock-events}: a completed apply-order-coupons job is apps/coupon's acknowledgement to the coupon-event relay
  [QUEUE.COUPON_EVENTS]: { ...DEFAULT_JOB_OPTIONS, removeOnComplete: { age: 24 * 3600, count: 10_000 } },
};

/**
 * The length (approximate, XADD MAXLEN ~) of each queue's `events` stream. BullMQ's default is 10,000 entries,
 * about 1 MB a busy queue; nothing of ours reads the stream (no QueueEvents listener, Bull Board reads the job
 * lists), so 1,000 bounds Redis memory sooner. BullMQ keeps the figure in the queue's meta hash, written by
 * every Queue instance as it starts: each one an app creates must carry the same `streams` option
 * (registerQueues, QueueHealthService).
 */
export const QUEUE_EVENTS_MAX_LEN = 1000;
export const QUEUE_STREAMS = { events: { maxLen: QUEUE_EVENTS_MAX_LEN } } as const;

/** a queue's default job options (QUEUE_JOB_OPTIONS), for jobs added outside the queue's defaults (flows) */
export function jobOptionsFor(queue: QueueName): DefaultJobOptions {
  return QUEUE_JOB_OPTIONS[isPlatformPublishQueue(queue) ? QUEUE.CATALOG_PUBLISH : queue];
}

/** every queue of this deployment: the fixed ones and one publish queue per registered platform */
export function deployedQueues(): QueueName[] {
  return allQueues(platformNames());
}

/** Data points kept by BullMQ worker metrics (one per minute): one day. */
export const WORKER_METRICS_MAX_DATA_POINTS = 24 * 60;
