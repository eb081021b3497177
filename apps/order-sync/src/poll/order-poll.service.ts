import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUpstreamError, type CanonicalOrder, type UpstreamError } from '@app/contracts';
import { PlatformAdapterLookup } from '@app/intake';
import { ShopDirectory, type PlatformAdapter, type ShopContext } from '@app/platforms';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { OrderUpsertRepository } from '../orders/order-upsert.repository';
import { answersTheId, checkAnswer, recordRefusals, refusalSummary, type Refusal } from '../orders/platform-answer';
import { DONE, describeError, retryDelayMs, type JobOutcome } from '../shared/job-outcome';
import { OrderJobs } from '../shared/order-jobs';
import { retryOnConflict } from '../shared/sql';
import { StockEventsProducer } from '../ingest/stock-events.producer';

interface CursorRow {
  cursor_at: Date;
  window_from: Date | null;
  window_to: Date | null;
  page_state: string | null;
}

/**
 * The safety net for lost pushes: pulls one shop's orders updated in [cursor - overlap, now), in windows no
 * longer than the adapter allows, page by page (the adapter owns the paging direction through its opaque
 * page state). Each page's upserts and the cursor advance commit together, so a crash resumes mid-window.
 */
@Injectable()
export class OrderPollService {
  private readonly logger = new Logger(OrderPollService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly shops: ShopDirectory,
    private readonly adapters: PlatformAdapterLookup,
    private readonly upserts: OrderUpsertRepository,
    private readonly jobs: OrderJobs,
    private readonly stockEvents: StockEventsProducer,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {}

  async pollShop(shopId: string, now: Date = new Date()): Promise<JobOutcome> {
    const shop = await this.shops.get(shopId);
    if (!shop) return DONE; // shop removed or disabled: its scheduler is dropped on the next refresh
    const adapter = this.adapters.get(shop.platform);
    const maxWindowMs = adapter.capabilities.orderListMaxWindowSec * 1000;
    let pages = 0;
    while (pages < this.opts.pollMaxPagesPerRun) {
      const rows: CursorRow[] = await this.dataSource.query(
        `SELECT cursor_at, window_from, window_to, page_state FROM order_sync.poll_cursors WHERE shop_id = $1`,
        [shopId],
      );
      const cur = rows[0];
      let from: Date;
      let to: Date;
      let page: string | null;
      if (cur?.window_from && cur.window_to) {
        from = cur.window_from;
        to = cur.window_to;
        page = cur.page_state;
      } else {
        const start = cur ? cur.cursor_at.getTime() - this.opts.pollOverlapMs : now.getTime() - this.opts.pollInitialLookbackMs;
        from = new Date(start);
        to = new Date(Math.min(now.getTime(), from.getTime() + maxWindowMs));
        page = null;
        if (cur && cur.cursor_at.getTime() >= now.getTime() - 1000) return DONE; // caught up
      }
      let res;
      try {
        res = await adapter.listOrders(shop, { from, to, page, pageSize: adapter.capabilities.orderListMaxPageSize });
      } catch (e) {
        if (!isUpstreamError(e)) throw e;
        if (e.retryable) return { kind: 'delay', ms: retryDelayMs(e, 1), reason: describeError(e) };
        return { kind: 'failed', reason: describeError(e) };
      }
      const { fetched, throttled, refused: notAsked } = await this.fetchDetails(shop, adapter, await this.staleIds(shopId, res));
      // the list covers a time window (any order of this shop is fine); nothing of another shop, nothing future-dated
      const listed = checkAnswer(shop, res.orders, Date.now(), this.opts.maxFutureSkewMs);
      const detailed = checkAnswer(shop, fetched, Date.now(), this.opts.maxFutureSkewMs);
      const refused = [...listed.refused, ...detailed.refused, ...notAsked];
      if (refused.length > 0) this.logger.warn({ msg: 'platform answer: orders refused, not applied', shopId, ...refusalSummary(refused) });
      if (throttled) {
        // keep what was fetched (without moving the cursor): the next run skips those as already current,
        // so a throttled page still makes progress instead of starting over
        if (detailed.accepted.length > 0 || refused.length > 0) await this.applyWithoutCursor(shop, detailed.accepted, refused);
        return { kind: 'delay', ms: retryDelayMs(throttled, 1), reason: describeError(throttled) };
      }
      const orders: CanonicalOrder[] = [...listed.accepted, ...detailed.accepted];
      pages += 1;
      const more = res.hasMore && res.next !== null;
      const summary = await retryOnConflict(() => this.dataSource.transaction(async (em) => {
        const s = await this.upserts.apply(em, orders);
        await recordRefusals(em, shop, refused);
        await em.query(
          `INSERT INTO order_sync.poll_cursors (shop_id, cursor_at, window_from, window_to, page_state, updated_at)
           VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (shop_id) DO UPDATE SET cursor_at = excluded.cursor_at, window_from = excluded.window_from,
             window_to = excluded.window_to, page_state = excluded.page_state, updated_at = now()`,
          more
            ? [shopId, cur?.cursor_at ?? from, from, to, res.next]
            : [shopId, to, null, null, null],
        );
        return s;
      }));
      await Promise.all([summary.outbox.length > 0 && this.jobs.addDeliveries(summary.outbox, '', this.opts.erpPushChunk), this.stockEvents.publish(summary.changedOrders)]);
      if (!more && to.getTime() >= now.getTime()) return DONE;
    }
    return DONE;
  }

  /** the partial ids whose stored version (of this shop's order) is older than the list's update time (or unknown) */
  private async staleIds(shopId: string, page: { partialIds: string[]; partialUpdatedAt?: Record<string, string> }): Promise<string[]> {
    if (page.partialIds.length === 0) return [];
    const known = page.partialUpdatedAt ?? {};
    const withTime = page.partialIds.filter((id) => known[id] !== undefined);
    if (withTime.length === 0) return page.partialIds;
    const rows: { platform_order_id: string; platform_updated_at: Date }[] = await this.dataSource.query(
      `SELECT platform_order_id, platform_updated_at FROM order_sync.orders WHERE shop_id = $1 AND platform_order_id = ANY($2::text[])`,
      [shopId, withTime],
    );
    const stored = new Map(rows.map((r) => [r.platform_order_id, r.platform_updated_at.getTime()]));
    return page.partialIds.filter((id) => {
      const at = known[id];
      const have = stored.get(id);
      return at === undefined || have === undefined || have < Date.parse(at);
    });
  }

  /** detail calls, a few at a time; stops at the first flow-control / breaker / outage error */
  private async fetchDetails(
    shop: ShopContext,
    adapter: PlatformAdapter,
    ids: string[],
  ): Promise<{ fetched: CanonicalOrder[]; throttled: UpstreamError | null; refused: Refusal[] }> {
    const fetched: CanonicalOrder[] = [];
    const refused: Refusal[] = [];
    let throttled: UpstreamError | null = null;
    let next = 0;
    const worker = async () => {
      while (next < ids.length && !throttled) {
        const id = ids[next++];
        try {
          const o = await adapter.getOrder(shop, id);
          if (answersTheId(id, o)) fetched.push(o);
          else refused.push({ platformOrderId: o.platformOrderId, reason: 'not_asked', updatedAt: o.updatedAt ?? null });
        } catch (e) {
          if (!isUpstreamError(e)) throw e;
          if (e.retryable) throttled = e;
          else this.logger.warn(`poll: order ${id} of shop ${shop.shopId} skipped: ${describeError(e)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.detailConcurrency, ids.length) }, worker));
    return { fetched, throttled, refused };
  }

  /** `orders`: already checked (checkAnswer) and set to the shop */
  private async applyWithoutCursor(shop: ShopContext, orders: CanonicalOrder[], refused: Refusal[]): Promise<void> {
    const summary = await retryOnConflict(() =>
      this.dataSource.transaction(async (em) => {
        const s = await this.upserts.apply(em, orders);
        await recordRefusals(em, shop, refused);
        return s;
      }),
    );
    await Promise.all([summary.outbox.length > 0 && this.jobs.addDeliveries(summary.outbox, '', this.opts.erpPushChunk), this.stockEvents.publish(summary.changedOrders)]);
  }
}
