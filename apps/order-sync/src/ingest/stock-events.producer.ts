import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, toStockOrderEvent, type JobPayloads } from '@app/contracts';
import type { ChangedOrder } from '../orders/order-upsert.repository';

/** orders per apply-order-stock job (keeps one job's payload well under a few hundred KB) */
export const STOCK_EVENTS_CHUNK = 100;
/** an add that Redis has not answered within this long is given up (it may still land later: same job id) */
export const STOCK_EVENTS_ENQUEUE_TIMEOUT_MS = 3000;

/**
 * Deterministic id of one apply-order-stock job: the sorted `orderId-vN` of its orders, hashed. A retried
 * batch (same orders, same versions) gets the same id, so BullMQ ignores the second add while the first is
 * kept; the consumer is idempotent per (platform, order, SKU) anyway.
 */
export function stockEventsJobId(changes: Pick<ChangedOrder, 'orderId' | 'version'>[]): string {
  const key = changes
    .map((c) => `${c.orderId}-v${c.version}`)
    .sort()
    .join(',');
  return `apply-order-stock-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/**
 * Producer only ({stock-events} is processed by catalog-sync): after an order transaction commits, every
 * applied order change goes to catalog-sync as ids, status, times and SKU / quantity lines (no buyer data in Redis) so stock reservations follow paid / shipped / cancelled /
 * refunded orders. Enqueue failures (Redis down) are logged and returned, never thrown into the order
 * path; nothing re-sends them later (the sweeper covers ERP deliveries only) — catalog-sync's drift
 * check bounds the effect on the platforms' figures.
 */
@Injectable()
export class StockEventsProducer {
  private readonly logger = new Logger(StockEventsProducer.name);
  readonly stats = { jobs: 0, orders: 0, failures: 0 };

  constructor(@InjectQueue(QUEUE.STOCK_EVENTS) readonly queue: Queue) {}

  async publish(changes: ChangedOrder[]): Promise<boolean> {
    if (changes.length === 0) return true;
    const jobs: { name: 'apply-order-stock'; data: JobPayloads['apply-order-stock']; opts: { jobId: string } }[] = [];
    for (let i = 0; i < changes.length; i += STOCK_EVENTS_CHUNK) {
      const chunk = changes.slice(i, i + STOCK_EVENTS_CHUNK);
      jobs.push({ name: 'apply-order-stock', data: { v: 2, orders: chunk.map((c) => toStockOrderEvent(c.order)) }, opts: { jobId: stockEventsJobId(chunk) } });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queue.addBulk(jobs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Redis within ${STOCK_EVENTS_ENQUEUE_TIMEOUT_MS} ms`)), STOCK_EVENTS_ENQUEUE_TIMEOUT_MS);
        }),
      ]);
      this.stats.jobs += jobs.length;
      this.stats.orders += changes.length;
      return true;
    } catch (e) {
      this.stats.failures += 1;
      this.logger.warn({
        msg: 'enqueue of order stock events failed; catalog-sync reservations miss these changes until the drift check',
        orders: changes.map((c) => c.orderId),
        error: String(e),
      });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
