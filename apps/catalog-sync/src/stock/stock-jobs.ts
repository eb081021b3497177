import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, type StockOrderEvent } from '@app/contracts';
import { enqueue } from '@app/queue';
import { STOCK_OPTIONS, type StockOptions } from './stock.options';

const WAITING_STATES = new Set<string>(['delayed', 'waiting', 'prioritized', 'waiting-children']);

/** Enqueues of the stock feature, with their deterministic job ids. */
@Injectable()
export class StockJobs {
  constructor(
    @InjectQueue(QUEUE.STOCK_SYNC) private readonly stockSync: Queue,
    @InjectQueue(QUEUE.STOCK_EVENTS) private readonly stockEvents: Queue,
    @Inject(STOCK_OPTIONS) private readonly opts: StockOptions,
  ) {}

  /**
   * One waiting sync-stock job per (SKU, shop): while `stock-<skuId>-<shopId>` waits (delayed by
   * coalesceDelayMs), further adds are ignored by BullMQ, and the worker reads the current figure when
   * it runs. The job is removed when it ends so the next change can enqueue again; failures are kept
   * on the stock_pushes row (last_error), and the drift check re-enqueues whatever is still off.
   */
  async syncStock(pairs: { skuId: string; shopId: string }[]): Promise<void> {
    await Promise.all(pairs.map((p) => this.syncOne(p.skuId, p.shopId)));
  }

  private async syncOne(skuId: string, shopId: string): Promise<void> {
    const jobId = `stock-${skuId}-${shopId}`;
    const opts = { delay: this.opts.coalesceDelayMs, removeOnComplete: true, removeOnFail: true };
    await enqueue(this.stockSync, 'sync-stock', { v: 1, skuId, shopId }, { jobId, ...opts });
    // An add is ignored while a job with that id exists in any state. If it is already running (or just
    // finished) it may have read the figure before this change: queue one follow-up, itself deduplicated.
    const state = await this.stockSync.getJobState(jobId);
    if (!WAITING_STATES.has(state)) {
      await enqueue(this.stockSync, 'sync-stock', { v: 1, skuId, shopId }, { jobId: `${jobId}-next`, ...opts });
    }
  }

  /** producer side of the order -> stock path (order-sync calls the same: queue {stock-events}, job apply-order-stock) */
  async applyOrderStock(orders: StockOrderEvent[], key: string): Promise<void> {
    await enqueue(this.stockEvents, 'apply-order-stock', { v: 2, orders }, { jobId: `apply-order-stock-${key}` });
  }

  async scheduleDriftCheck(everyMs: number): Promise<void> {
    await this.stockSync.upsertJobScheduler('check-stock-drift', { every: everyMs }, { name: 'check-stock-drift', data: { v: 1 } });
  }
}
