import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RedisClient } from '@app/observability';
import { DataSource } from 'typeorm';
import type { CanonicalOrder, Platform, StockOrderEvent } from '@app/contracts';
import { QUEUE_MODULE_OPTIONS, type QueueModuleOptions } from '@app/queue';
import { STOCK_REDIS } from './stock-lock';
import { STOCK_OPTIONS, type StockOptions } from './stock.options';
import { StockService } from './stock.service';

interface OrderRow {
  platform: Platform;
  shop_id: string;
  platform_order_id: string;
  status: CanonicalOrder['status'];
  platform_updated_at: Date;
  items: CanonicalOrder['items'];
  change_xid: string;
  change_seq: string;
}

/**
 * Safety net for the order -> stock path: order-sync enqueues {stock-events} after each commit, but an
 * enqueue lost while Redis was down is re-sent by nobody. This re-applies every order changed since the
 * last run straight from order_sync.orders — a DOCUMENTED EXCEPTION to "apps own their schema": read-only,
 * same database in every deployment, and the reservation consumer is idempotent per (platform, order, SKU).
 *
 * Pages by (change_xid, change_seq) below the snapshot xmin (as the ERP pull API does), so an order whose
 * transaction commits late is not skipped. The cursor lives in Redis (`<prefix>-stock-reconcile-cursor`);
 * without one, the run starts at orders updated within reconcileLookbackMs. Runs before each drift check.
 */
@Injectable()
export class StockReconcileService {
  private readonly logger = new Logger(StockReconcileService.name);
  private readonly cursorKey: string;

  constructor(
    private readonly ds: DataSource,
    private readonly stock: StockService,
    @Inject(STOCK_REDIS) private readonly redis: RedisClient,
    @Inject(STOCK_OPTIONS) private readonly opts: StockOptions,
    @Inject(QUEUE_MODULE_OPTIONS) q: QueueModuleOptions,
  ) {
    this.cursorKey = `${q.prefix}-stock-reconcile-cursor`;
  }

  async reconcile(): Promise<{ orders: number; changedSkus: number; skipped?: 'no order_sync.orders' }> {
    const out = { orders: 0, changedSkus: 0 };
    if (this.opts.reconcileBatchSize <= 0) return out;
    const [{ present }] = await this.ds.query(`SELECT to_regclass('order_sync.orders') IS NOT NULL AS present`);
    if (!present) return { ...out, skipped: 'no order_sync.orders' };
    const stored = await this.redis.get(this.cursorKey);
    let [xid, seq] = stored ? stored.split('-') : ['0', '0'];
    const since = stored ? null : new Date(Date.now() - this.opts.reconcileLookbackMs).toISOString();
    for (let page = 0; page < this.opts.reconcileMaxPages; page++) {
      const rows: OrderRow[] = await this.ds.query(
        `SELECT o.platform, o.shop_id, o.platform_order_id, o.status, o.platform_updated_at, o.items,
                o.change_xid::text AS change_xid, o.change_seq::text AS change_seq
           FROM order_sync.orders o
          WHERE (o.change_xid, o.change_seq) > ($1::xid8, $2::bigint)
            AND o.change_xid < pg_snapshot_xmin(pg_current_snapshot())
            AND ($3::timestamptz IS NULL OR o.updated_at > $3::timestamptz)
          ORDER BY o.change_xid, o.change_seq
          LIMIT $4`,
        [xid, seq, since, this.opts.reconcileBatchSize],
      );
      if (rows.length === 0) break;
      // no sale time: a reconciled sale is never taken as absorbed by a push anchor (as before)
      const orders = rows.map(
        (r): StockOrderEvent => ({
          platform: r.platform,
          shopId: r.shop_id,
          platformOrderId: r.platform_order_id,
          status: r.status,
          createdAt: null,
          paidAt: null,
          updatedAt: new Date(r.platform_updated_at).toISOString(),
          items: r.items.map((i) => ({ lineId: i.lineId, platformSkuId: i.platformSkuId, erpSkuCode: i.erpSkuCode, quantity: i.quantity })),
        }),
      );
      const res = await this.stock.applyOrderEvents(orders);
      out.orders += rows.length;
      out.changedSkus += res.changedSkus.length;
      const last = rows[rows.length - 1];
      [xid, seq] = [last.change_xid, last.change_seq];
      await this.redis.set(this.cursorKey, `${xid}-${seq}`);
      if (rows.length < this.opts.reconcileBatchSize) break;
    }
    if (out.changedSkus > 0) this.logger.warn({ msg: 'reservations reconciled from order_sync.orders (stock events were missed)', ...out });
    return out;
  }
}
