import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isUnknownStatus, isUpstreamError, type CanonicalOrder, type UnmappedOrder, type UpstreamError } from '@app/contracts';
import { PlatformAdapterLookup } from '@app/intake';
import { ShopDirectory, type PlatformAdapter, type ShopContext } from '@app/platforms';
import { POLL_OPTIONS, type PollOptions } from './poll.options';
import { OrderUpsertRepository, type UpsertSummary } from '../orders/order-upsert.repository';
import { isNewer } from '../orders/order-row';
import { answersTheId, checkAnswer, refusalSummary, unmappedRefusals, type Refusal } from '../orders/platform-answer';
import { DONE, describeError, outcomeFor, retryDelayMs, type JobOutcome } from '@app/queue';
import { OrderJobs } from '../shared/order-jobs';
import { retryOnConflict } from '../shared/sql';
import { OrderEventRelays } from '../order-events/order-event-relay';
import { PollCadence } from './poll-cadence';
import { PollCursorsRepository } from './poll-cursors.repository';
import { PollMetrics } from './poll.metrics';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';

/** what one run saw, for the shop's cadence */
interface RunState {
  /** orders this run found whose paid state no push had announced */
  foundByPoll: number;
  /** the shop's fast-cadence deadline as the run started */
  fastUntil: Date | null;
}

/**
 * The safety net for lost pushes: pulls one shop's orders updated in [cursor - overlap, now), in windows no
 * longer than the adapter allows, page by page (the adapter owns the paging direction through its opaque
 * page state). Each page's upserts and the cursor advance commit together, so a crash resumes mid-window.
 *
 * Runs every few seconds per shop (PollCadence), so the overlap re-read each time is small
 * (pollOverlapMs: update-time rounding, late indexing, clock skew); once every pollDeepEveryMs a run re-reads
 * pollDeepOverlapMs instead, for orders a platform lists later than that. Re-read orders cost list rows
 * and one read: listed orders no newer than stored are dropped before the upsert (no row locks, no
 * writes), and detail calls are made for stale partial orders only.
 *
 * An order whose first ERP delivery comes from a poll while no push for its paid state had arrived is
 * marked `found_by_poll_at` (a lost push: the SLA ledger's cause push_lost), and its shop is polled at the
 * fast cadence for pollFastHoldMs: pushes have stopped while the platform shows activity.
 */
/** how long a pending push message owns the fetch and write of its order (see waitingPushes) */
const PUSH_OWNS_FETCH_MS = 60_000;

/** a waiting push announced this version (or a later one; 1 s for platforms that send whole seconds) */
function announced(pushedAt: number | undefined, updatedAt: number | null): boolean {
  return pushedAt !== undefined && updatedAt !== null && pushedAt >= updatedAt - 1000;
}

@Injectable()
export class OrderPollService {
  private readonly logger = new Logger(OrderPollService.name);

  constructor(
    private readonly cursors: PollCursorsRepository,
    private readonly shops: ShopDirectory,
    private readonly adapters: PlatformAdapterLookup,
    private readonly upserts: OrderUpsertRepository,
    private readonly jobs: OrderJobs,
    private readonly orderEvents: OrderEventRelays,
    private readonly cadence: PollCadence,
    private readonly metrics: PollMetrics,
    @Inject(POLL_OPTIONS) private readonly opts: PollOptions,
    private readonly orderMetrics: OrderSyncMetrics,
  ) {}

  async pollShop(shopId: string, now: Date = new Date()): Promise<JobOutcome> {
    const shop = await this.shops.get(shopId);
    if (!shop) return DONE; // shop removed or disabled: its scheduler is dropped on the next refresh
    const run: RunState = { foundByPoll: 0, fastUntil: null };
    const outcome = await this.pollWindows(shop, now, run);
    if (run.foundByPoll > 0) this.metrics.foundByPoll.inc({ platform: shop.platform }, run.foundByPoll);
    await this.adjustCadence(shopId, run);
    return outcome;
  }

  private async pollWindows(shop: ShopContext, now: Date, run: RunState): Promise<JobOutcome> {
    const shopId = shop.shopId;
    const adapter = this.adapters.get(shop.platform);
    const maxWindowMs = adapter.capabilities.orderListMaxWindowSec * 1000;
    let pages = 0;
    while (pages < this.opts.pollMaxPagesPerRun) {
      const cur = await this.cursors.cursor(shopId);
      if (pages === 0) run.fastUntil = cur?.fastUntil ?? null;
      // orders paid before this shop's polling began were never ours to be pushed: not "found by poll"
      const pollingSince = cur ? cur.startedAt : now;
      let from: Date;
      let to: Date;
      let page: string | null;
      let deep = false;
      if (cur?.windowFrom && cur.windowTo) {
        from = cur.windowFrom;
        to = cur.windowTo;
        page = cur.pageState;
      } else {
        if (cur && cur.cursorAt.getTime() >= now.getTime() - 1000) return DONE; // caught up
        deep = !cur || cur.deepAt === null || now.getTime() - cur.deepAt.getTime() >= this.opts.pollDeepEveryMs;
        const overlap = deep ? Math.max(this.opts.pollDeepOverlapMs, this.opts.pollOverlapMs) : this.opts.pollOverlapMs;
        const start = cur ? cur.cursorAt.getTime() - overlap : now.getTime() - this.opts.pollInitialLookbackMs;
        from = new Date(start);
        to = new Date(Math.min(now.getTime(), from.getTime() + maxWindowMs));
        page = null;
      }
      let res;
      try {
        res = await adapter.listOrders(shop, { from, to, page, pageSize: adapter.capabilities.orderListMaxPageSize });
      } catch (e) {
        return outcomeFor(e, { attempt: 1, clock: 'row' }); // the cursor is the retry clock: the next run starts where it stopped
      }
      const { fetched, throttled, refused: notAsked } = await this.fetchDetails(shop, adapter, await this.staleIds(shop, res));
      // the list covers a time window (any order of this shop is fine); nothing of another shop, nothing future-dated
      const listed = checkAnswer(shop, res.orders, Date.now(), this.opts.maxFutureSkewMs);
      const detailed = checkAnswer(shop, fetched, Date.now(), this.opts.maxFutureSkewMs);
      // orders with a status we cannot map are recorded and skipped; the rest of the page goes on
      const refused = [...listed.refused, ...detailed.refused, ...notAsked, ...unmappedRefusals(res)];
      if (refused.length > 0) this.logger.warn({ msg: 'platform answer: orders refused, not applied', shopId, ...refusalSummary(refused) });
      this.warnUnmapped(shop, res.unmapped ?? []);
      if (throttled) {
        // keep what was fetched (without moving the cursor): the next run skips those as already current,
        // so a throttled page still makes progress instead of starting over
        if (detailed.accepted.length > 0 || refused.length > 0) {
          run.foundByPoll += await this.applyWithoutCursor(shop, detailed.accepted, refused, pollingSince);
        }
        return { kind: 'delay', ms: retryDelayMs(throttled, 1), reason: describeError(throttled) };
      }
      const orders: CanonicalOrder[] = [...(await this.newerThanStored(shop, listed.accepted)), ...detailed.accepted];
      pages += 1;
      const more = res.hasMore && res.next !== null;
      const { summary, found } = await retryOnConflict(() => this.cursors.transaction(async (em) => {
        const s = await this.upserts.apply(em, orders);
        await this.cursors.recordRefusals(em, shop, refused);
        const marked = await this.markFoundByPoll(em, s, pollingSince);
        await this.cursors.saveCursor(em, {
          shopId,
          // more pages: the window is kept (the cursor stays until its last page); done: the cursor moves to its end
          ...(more
            ? { cursorAt: cur?.cursorAt ?? from, windowFrom: from, windowTo: to, pageState: res.next }
            : { cursorAt: to, windowFrom: null, windowTo: null, pageState: null }),
          deepAt: deep ? now : null,
          startedAt: pollingSince,
        });
        return { summary: s, found: marked };
      }));
      run.foundByPoll += found;
      this.orderMetrics.normalised(summary.outbox);
      if (summary.changedOrders.length > 0) this.orderEvents.wake(); // committed with the orders (order_sync.stock_events, coupon_events)
      if (summary.outbox.length > 0) await this.jobs.addDeliveries(summary.outbox, '', this.opts.erpPushChunk);
      if (!more && to.getTime() >= now.getTime()) return DONE;
    }
    return DONE;
  }

  /**
   * Marks the orders whose first ERP delivery this write created while no push for their paid state had
   * arrived (no inbox row of the shop and order with an event time from the SLA start on, 1 s for platforms
   * that send whole seconds; an inbox row without an event time counts as such a push). Returns how many.
   */
  private async markFoundByPoll(em: EntityManager, summary: UpsertSummary, pollingSince: Date | null): Promise<number> {
    const pushes = summary.outbox.filter((o) => o.kind === 'push').map((o) => o.outboxId);
    if (pushes.length === 0) return 0;
    return this.cursors.markFoundByPoll(em, pushes, pollingSince);
  }

  /**
   * Fast cadence while polls find orders no push announced, back to normal pollFastHoldMs after the last
   * one. Nothing is read or written for a shop that is and stays at the normal cadence.
   */
  private async adjustCadence(shopId: string, run: RunState): Promise<void> {
    if (run.foundByPoll === 0 && run.fastUntil === null) return;
    const fast = (await this.cursors.holdFast(shopId, run.foundByPoll > 0, this.opts.pollFastHoldMs)) !== null;
    if (await this.cadence.adjust(shopId, fast)) {
      this.logger.log(`shop ${shopId}: polled every ${this.cadence.intervalMs(fast)} ms${fast ? ' (its polls find orders no push announced)' : ''}`);
    }
  }

  /**
   * The listed orders newer than their stored version (or not stored). Most of a poll's list is the overlap
   * re-read of orders the pushes already brought: one read here instead of locking their rows to write nothing.
   */
  /**
   * The listed orders worth writing: newer than the stored version, and not announced by a push that is still
   * waiting for the ingest (see `waitingPushes`): in a flash sale the poll lists orders the ingest is about to
   * write, and writing them too would double the row work and contend for the same row locks.
   */
  private async newerThanStored(shop: ShopContext, orders: CanonicalOrder[]): Promise<CanonicalOrder[]> {
    if (orders.length === 0) return orders;
    const ids = orders.map((o) => o.platformOrderId);
    const [rows, pushed] = await Promise.all([this.cursors.storedVersions(shop.shopId, ids), this.waitingPushes(shop, ids)]);
    const stored = new Map(rows.map((r) => [r.platformOrderId, { updatedAt: r.platformUpdatedAt.getTime(), rank: r.statusRank }]));
    return orders.filter((o) => {
      const s = stored.get(o.platformOrderId);
      if (s !== undefined && !isNewer(o, s)) return false;
      return !announced(pushed.get(o.platformOrderId), o.updatedAt ? Date.parse(o.updatedAt) : null);
    });
  }

  /**
   * Per order id: the latest event time of this shop's pending push messages received in the last
   * `PUSH_OWNS_FETCH_MS` — a push the ingest is about to handle. Older pending messages (a stuck pipeline) do not
   * count, so they never hold the poll back.
   */
  private waitingPushes(shop: ShopContext, ids: string[]): Promise<Map<string, number>> {
    return this.cursors.waitingPushes(shop, ids, PUSH_OWNS_FETCH_MS);
  }

  /**
   * The partial ids worth a detail call: the stored version (of this shop's order) is older than the list's
   * update time (or unknown), and no push announcing that version is waiting for the ingest (`waitingPushes`):
   * under a per-API quota (Xiaohongshu's one detail call per order) a second read by the poll would cost a share
   * of what the quota carries.
   */
  private async staleIds(shop: ShopContext, page: { partialIds: string[]; partialUpdatedAt?: Record<string, string> }): Promise<string[]> {
    if (page.partialIds.length === 0) return [];
    const known = page.partialUpdatedAt ?? {};
    const [stored, pushed] = await Promise.all([this.cursors.storedUpdatedAt(shop.shopId, page.partialIds), this.waitingPushes(shop, page.partialIds)]);
    return page.partialIds.filter((id) => {
      const at = known[id] === undefined ? null : Date.parse(known[id]);
      const have = stored.get(id);
      if (at !== null && have !== undefined && have >= at) return false;
      return !announced(pushed.get(id), at);
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
          if (isUnknownStatus(e)) {
            // recorded and skipped (orders_refused); the rest of the page goes on
            refused.push({ platformOrderId: id, reason: 'unknown_status', updatedAt: null });
            this.warnUnmapped(shop, [{ platformOrderId: id, platformStatus: e.details.platformStatus ?? '', updatedAt: null }]);
          } else if (e.retryable) throttled = e;
          else this.logger.warn(`poll: order ${id} of shop ${shop.shopId} skipped: ${describeError(e)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.detailConcurrency, ids.length) }, worker));
    return { fetched, throttled, refused };
  }

  /** one line per order skipped for a status with no mapping: ids and the status, never the order */
  private warnUnmapped(shop: ShopContext, unmapped: UnmappedOrder[]): void {
    for (const u of unmapped) {
      this.logger.warn(`poll: order ${u.platformOrderId} of shop ${shop.shopId} skipped: ${shop.platform} status ${JSON.stringify(u.platformStatus)} has no mapping`);
    }
  }

  /** `orders`: already checked (checkAnswer) and set to the shop; returns how many were found by this poll */
  private async applyWithoutCursor(shop: ShopContext, orders: CanonicalOrder[], refused: Refusal[], pollingSince: Date | null): Promise<number> {
    const { summary, found } = await retryOnConflict(() =>
      this.cursors.transaction(async (em) => {
        const s = await this.upserts.apply(em, orders);
        await this.cursors.recordRefusals(em, shop, refused);
        return { summary: s, found: await this.markFoundByPoll(em, s, pollingSince) };
      }),
    );
    this.orderMetrics.normalised(summary.outbox);
    if (summary.changedOrders.length > 0) this.orderEvents.wake(); // committed with the orders (order_sync.stock_events, coupon_events)
    if (summary.outbox.length > 0) await this.jobs.addDeliveries(summary.outbox, '', this.opts.erpPushChunk);
    return found;
  }
}
