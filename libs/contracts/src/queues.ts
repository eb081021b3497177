import type { CouponOrderEvent, StockOrderEvent } from './order';
import type { Platform } from './platform';

/**
 * Queue and job names. DEPLOYED VALUES NEVER CHANGE: a renamed queue or job strands waiting jobs.
 * Queue names carry a Redis Cluster hash tag so each queue's keys live in one slot.
 */
export const QUEUE = {
  ORDER_EVENTS: '{order-events}',
  ERP_PUSH: '{erp-push}',
  ERP_INTERCEPT: '{erp-intercept}',
  SHIPMENTS: '{shipments}',
  ORDER_POLL: '{order-poll}',
  /**
   * Publish children added before the per-platform publish queues (publishQueueOf): nothing adds to it any more;
   * catalog-sync still works it so that children waiting at an upgrade are published. DO NOT RENAME.
   */
  CATALOG_PUBLISH: '{catalog-publish}',
  /**
   * Parent jobs of publish flows (one child per shop on CATALOG_PUBLISH). DO NOT RENAME. It carries the
   * same hash tag as CATALOG_PUBLISH on purpose: BullMQ flows need parent and children in one cluster slot.
   */
  CATALOG_PUBLISH_FLOW: '{catalog-publish}-flow',
  STOCK_SYNC: '{stock-sync}',
  PRICE_TIERS: '{price-tiers}',
  /** canonical order events from order-sync to catalog-sync's stock reservations (do not rename) */
  STOCK_EVENTS: '{stock-events}',
  /** coupon campaigns onto the platforms: one job per (campaign, shop) and step (apps/coupon) */
  COUPON_SYNC: '{coupon-sync}',
  /** order changes carrying discounts (or refunds) from order-sync to apps/coupon's redemption count (do not rename) */
  COUPON_EVENTS: '{coupon-events}',
} as const;
/** the queues every deployment has, whatever its platforms */
export type FixedQueueName = (typeof QUEUE)[keyof typeof QUEUE];
/**
 * One queue of publish children per platform (`{catalog-publish}-to-douyin`, ...): each platform's publishes wait
 * in, and are worked from, a queue of their own, so a platform with a tight quota (Xiaohongshu: 5 calls a product)
 * never holds the worker slots a fast platform's listings need (docs/adr/0019). The hash tag is the flow parent's:
 * BullMQ flows need parent and children in one cluster slot. DEPLOYED NAMES NEVER CHANGE.
 */
export type PlatformPublishQueue = `{catalog-publish}-to-${string}`;
export type QueueName = FixedQueueName | PlatformPublishQueue;
export const FIXED_QUEUES: readonly FixedQueueName[] = Object.values(QUEUE);

const PUBLISH_QUEUE_PREFIX = '{catalog-publish}-to-';

/** the publish-children queue of one platform */
export function publishQueueOf(platform: Platform): PlatformPublishQueue {
  return `${PUBLISH_QUEUE_PREFIX}${platform}`;
}

export function isPlatformPublishQueue(name: string): name is PlatformPublishQueue {
  return name.startsWith(PUBLISH_QUEUE_PREFIX) && name.length > PUBLISH_QUEUE_PREFIX.length;
}

/** every queue of a deployment with these platforms (libs/queue deployedQueues() passes the registry's names) */
export function allQueues(platforms: readonly Platform[]): QueueName[] {
  return [...FIXED_QUEUES, ...platforms.map(publishQueueOf)];
}

export interface JobPayloads {
  /** one inbox row (a verified push message) to normalise */
  'process-inbox': { v: 1; inboxId: string };
  /** the inbox rows one intake commit inserted (up to a few hundred): one job instead of one per row */
  'process-inbox-batch': { v: 1; inboxIds: string[] };
  /**
   * outbox rows (order versions) to deliver to the ERP; `outboxIds`: the chunk of rows this job delivers in one ERP call
   * (absent: just `outboxId`). `merchantId`: whose ERP, every row of the job is that merchant's (null: the default ERP;
   * absent in jobs enqueued before it existed: read from the rows).
   */
  'push-order': { v: 1; outboxId: string; outboxIds?: string[]; merchantId?: string | null };
  /** cancellation / refund before shipment: interception request to the ERP (`merchantId` as in push-order) */
  'intercept-order': { v: 1; outboxId: string; merchantId?: string | null };
  /** write a shipment back to the platform */
  'ship-order': { v: 1; shipmentId: string };
  /** pull one shop's changed orders over a window */
  'poll-shop': { v: 1; shopId: string };
  'publish-product': { v: 1; productId: string; platform: string; shopId: string };
  /** parent of one product's publish flow: completes when every per-shop child finished (published or failed) */
  'publish-product-flow': { v: 1; productId: string; runId: string };
  'sync-stock': { v: 1; skuId: string; shopId: string };
  /** repeatable: compare each platform's stock with ours and correct drift (catalog-sync) */
  'check-stock-drift': { v: 1 };
  /**
   * order changes whose status reserves / consume / release stock (do not rename). v2: ids, status, times and
   * SKU / quantity lines only (v1 carried whole canonical orders, buyer included; the consumer still drains v1).
   */
  'apply-order-stock': { v: 2; orders: StockOrderEvent[] };
  'apply-price-tier': { v: 1; tierId: string; action: 'apply' | 'revert' };
  /** bring one shop's side of a coupon campaign to what the campaign's status asks (create / stop on the platform) */
  'sync-campaign-shop': { v: 1; merchantId: string; campaignId: string; shopId: string };
  /** order changes with discount lines or a refund / cancellation (ids, status, money, discount lines; no buyer data) */
  'apply-order-coupons': { v: 1; orders: CouponOrderEvent[] };
}
export type JobName = keyof JobPayloads;

const FIXED_QUEUE_JOBS: Readonly<Record<FixedQueueName, readonly JobName[]>> = {
  [QUEUE.ORDER_EVENTS]: ['process-inbox', 'process-inbox-batch'],
  [QUEUE.ERP_PUSH]: ['push-order'],
  [QUEUE.ERP_INTERCEPT]: ['intercept-order'],
  [QUEUE.SHIPMENTS]: ['ship-order'],
  [QUEUE.ORDER_POLL]: ['poll-shop'],
  [QUEUE.CATALOG_PUBLISH]: ['publish-product'],
  [QUEUE.CATALOG_PUBLISH_FLOW]: ['publish-product-flow'],
  [QUEUE.STOCK_SYNC]: ['sync-stock', 'check-stock-drift'],
  [QUEUE.PRICE_TIERS]: ['apply-price-tier'],
  [QUEUE.STOCK_EVENTS]: ['apply-order-stock'],
  [QUEUE.COUPON_SYNC]: ['sync-campaign-shop'],
  [QUEUE.COUPON_EVENTS]: ['apply-order-coupons'],
};
const PLATFORM_PUBLISH_JOBS: readonly JobName[] = ['publish-product'];

/** the job names a queue carries; undefined for a name that is no queue of ours */
export function jobNamesOf(queue: string): readonly JobName[] | undefined {
  if (isPlatformPublishQueue(queue)) return PLATFORM_PUBLISH_JOBS;
  return (FIXED_QUEUE_JOBS as Record<string, readonly JobName[] | undefined>)[queue];
}

/** The queues each worker app works: its start-up check (libs/queue JobHandlerCheck) wants one handler per job name. */
export const ORDER_SYNC_QUEUES: QueueName[] = [QUEUE.ORDER_EVENTS, QUEUE.ERP_PUSH, QUEUE.ERP_INTERCEPT, QUEUE.SHIPMENTS, QUEUE.ORDER_POLL];
export function catalogSyncQueues(platforms: readonly Platform[]): QueueName[] {
  return [QUEUE.CATALOG_PUBLISH, QUEUE.CATALOG_PUBLISH_FLOW, QUEUE.STOCK_SYNC, QUEUE.PRICE_TIERS, QUEUE.STOCK_EVENTS, ...platforms.map(publishQueueOf)];
}
export const COUPON_QUEUES: QueueName[] = [QUEUE.COUPON_SYNC, QUEUE.COUPON_EVENTS];
