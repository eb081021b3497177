import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import type { OutboxRef } from '../orders/order-upsert.repository';

/** BullMQ priority of re-queued refreshes (any priority runs after every job without one; 1 is the highest) */
export const REFRESH_PRIORITY = 10;

/** Job ids: `inbox-<id>`, `push-<outboxId>`, `intercept-<outboxId>` (plus a suffix when the sweeper re-adds a finished id). */
export const inboxJobId = (id: string): string => `inbox-${id}`;
export const outboxJobId = (kind: OutboxRef['kind'], id: string): string => `${kind}-${id}`;

/**
 * Enqueues order-path jobs in bulk after the rows they name are committed. An enqueue failure is logged and
 * returned, never thrown into the caller's happy path: the rows are in Postgres and the sweeper re-adds them.
 */
@Injectable()
export class OrderJobs {
  private readonly logger = new Logger(OrderJobs.name);

  constructor(
    @InjectQueue(QUEUE.ORDER_EVENTS) readonly orderEvents: Queue,
    @InjectQueue(QUEUE.ERP_PUSH) readonly erpPush: Queue,
    @InjectQueue(QUEUE.ERP_INTERCEPT) readonly erpIntercept: Queue,
  ) {}

  queueFor(kind: OutboxRef['kind']): Queue {
    return kind === 'push' ? this.erpPush : this.erpIntercept;
  }

  /**
   * One push job per `pushChunk` outbox rows (named after the chunk's first row, carrying every row's id), so
   * one job delivers the whole chunk in one ERP call. Rows whose job is gone are found by the sweeper.
   * Interceptions keep one job each (priority).
   */
  async addDeliveries(refs: OutboxRef[], suffix = '', pushChunk = 1): Promise<boolean> {
    // a chunk holds one merchant's rows only: each job goes to one merchant's ERP
    const byMerchant = new Map<string | null | undefined, string[]>();
    for (const r of refs) if (r.kind === 'push') byMerchant.set(r.merchantId, [...(byMerchant.get(r.merchantId) ?? []), r.outboxId]);
    const chunk = Math.max(1, pushChunk);
    const push: { ids: string[]; merchantId: string | null | undefined }[] = [];
    for (const [merchantId, pushIds] of byMerchant) {
      for (let i = 0; i < pushIds.length; i += chunk) push.push({ ids: pushIds.slice(i, i + chunk), merchantId });
    }
    const intercept = refs.filter((r) => r.kind === 'intercept');
    try {
      await Promise.all([
        push.length > 0 &&
          this.erpPush.addBulk(
            push.map(({ ids, merchantId }) => ({
              name: 'push-order' as const,
              data: {
                v: 1,
                outboxId: ids[0],
                ...(ids.length > 1 ? { outboxIds: ids } : {}),
                ...(merchantId !== undefined ? { merchantId } : {}),
              } satisfies JobPayloads['push-order'],
              opts: { jobId: outboxJobId('push', ids[0]) + suffix },
            })),
          ),
        intercept.length > 0 &&
          this.erpIntercept.addBulk(
            intercept.map((r) => ({
              name: 'intercept-order' as const,
              data: { v: 1, outboxId: r.outboxId, ...(r.merchantId !== undefined ? { merchantId: r.merchantId } : {}) } satisfies JobPayloads['intercept-order'],
              opts: { jobId: outboxJobId('intercept', r.outboxId) + suffix, priority: 1 },
            })),
          ),
      ]);
      return true;
    } catch (e) {
      this.logger.warn(`enqueue of ${refs.length} ERP deliveries failed, left to the sweeper: ${String(e)}`);
      return false;
    }
  }

  /**
   * single inbox jobs that start after a delay (rows of a batch that must wait); ids unique per attempt. `later`
   * rows (refreshes of orders the ERP already has) get a BullMQ priority: a worker takes every job without one
   * first, so while the platform quota is short it is spent on first fetches of new orders.
   */
  async addInboxDelayed(rows: { id: string; delayMs: number; later?: boolean }[]): Promise<void> {
    const at = Date.now();
    await this.orderEvents.addBulk(
      rows.map(({ id, delayMs, later }) => ({
        name: 'process-inbox' as const,
        data: { v: 1, inboxId: id } satisfies JobPayloads['process-inbox'],
        opts: { jobId: `${inboxJobId(id)}-w${at}`, delay: Math.max(1, delayMs), ...(later ? { priority: REFRESH_PRIORITY } : {}) },
      })),
    );
  }

  async addInbox(ids: { id: string; suffix: string }[]): Promise<boolean> {
    if (ids.length === 0) return true;
    try {
      await this.orderEvents.addBulk(
        ids.map(({ id, suffix }) => ({
          name: 'process-inbox' as const,
          data: { v: 1, inboxId: id } satisfies JobPayloads['process-inbox'],
          opts: { jobId: inboxJobId(id) + suffix },
        })),
      );
      return true;
    } catch (e) {
      this.logger.warn(`enqueue of ${ids.length} inbox jobs failed, left to the sweeper: ${String(e)}`);
      return false;
    }
  }
}
