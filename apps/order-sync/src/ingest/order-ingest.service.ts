import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { UpstreamError, isOwnQuotaLimit, isUnknownStatus, isUpstreamError, type CanonicalOrder } from '@app/contracts';
import { GroupCommitter, PlatformAdapterLookup } from '@app/intake';
import { ShopDirectory, type PlatformAdapter, type ShopContext } from '@app/platforms';
import { UsageMeter } from '@app/resilience';
import { INGEST_OPTIONS, type IngestOptions } from './ingest.options';
import { orderReadsKey } from '../shared/order-reads';
import { OrderUpsertRepository, type OutboxRef, type UpsertSummary } from '../orders/order-upsert.repository';
import { OrdersRepository } from '../orders/orders.repository';
import { answersTheId, checkAnswer, recordRefusals, refusalSummary, unmappedRefusals, type Refusal } from '../orders/platform-answer';
import { DONE, describeError, retryDelayMs, type JobOutcome } from '@app/queue';
import { OrderJobs } from '../shared/order-jobs';
import { retryOnConflict } from '../shared/sql';
import { OrderEventRelays } from '../order-events/order-event-relay';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import { InboxRepository, type InboxRow, type InboxSettlement } from './inbox.repository';

export interface IngestStats {
  batches: number;
  jobs: number;
  statements: number;
  listCalls: number;
  getCalls: number;
  /** detail reads answered by a read of the same order already in flight in this process (no call) */
  sharedGets: number;
}

/** a detail read in flight, shared by every batch of this process that needs the same order meanwhile */
interface InFlightRead {
  startedAt: number;
  result: Promise<CanonicalOrder>;
}

/**
 * A read that started this long after a message's update time reflects that update: a duplicate message of
 * the order waits for it instead of reading again (the ±1 s every update-time comparison here allows for
 * the platform's clock and its time granularity).
 */
const SHARED_READ_MARGIN_MS = 1000;

/** Errors after which fetching again cannot help; everything else waits and retries. */
function isPermanent(e: unknown): boolean {
  return isUpstreamError(e) && (e.kind === 'not_found' || e.kind === 'invalid_request' || e.kind === 'auth_revoked');
}

/**
 * The platform said "not now" (breaker open, rate limited): the row waits and no attempt is counted, so an
 * outage of a platform's API delays its rows however long it lasts and never makes the sweeper give up.
 */
export function isDeferral(e: unknown): boolean {
  return isUpstreamError(e) && (e.kind === 'circuit_open' || e.kind === 'rate_limited');
}

/**
 * Normalises inbox rows into orders. Jobs are processed in groups: each `process-inbox` job submits its
 * inbox id to a group committer, so the jobs a worker has in flight (its concurrency) share one fetch per
 * shop (a list call over the messages' update-time window when several orders of a shop are due) and one
 * transaction with one multi-row upsert. Each job still settles on its own: done, delayed (platform
 * throttled / breaker open — no attempt burned) or failed (order gone, authorisation revoked).
 */
@Injectable()
export class OrderIngestService implements OnModuleDestroy {
  private readonly logger = new Logger(OrderIngestService.name);
  private readonly batcher: GroupCommitter<string, JobOutcome>;
  readonly stats: IngestStats = { batches: 0, jobs: 0, statements: 0, listCalls: 0, getCalls: 0, sharedGets: 0 };
  /** detail reads in flight, by shop and platform order id (see InFlightRead) */
  private readonly reads = new Map<string, InFlightRead>();

  constructor(
    private readonly inbox: InboxRepository,
    private readonly orders: OrdersRepository,
    private readonly shops: ShopDirectory,
    private readonly adapters: PlatformAdapterLookup,
    private readonly upserts: OrderUpsertRepository,
    private readonly jobs: OrderJobs,
    private readonly orderEvents: OrderEventRelays,
    @Inject(INGEST_OPTIONS) private readonly opts: IngestOptions,
    private readonly metrics: OrderSyncMetrics,
    /** counts the order reads per shop for ops' quota figures (absent in tests without the platform runtime) */
    @Optional() private readonly meter?: UsageMeter,
  ) {
    this.batcher = new GroupCommitter((ids) => this.processBatch(ids), {
      maxBatch: opts.ingestBatchSize,
      maxWaitMs: opts.ingestBatchWaitMs,
      maxInFlight: 2,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.batcher.drain();
  }

  /** one job's share of a group */
  async processInbox(inboxId: string): Promise<JobOutcome> {
    const [outcome] = await this.batcher.submit([inboxId]);
    return outcome;
  }

  /**
   * A whole intake group's rows (one process-inbox-batch job). Done and failed rows are settled in Postgres
   * by the group; rows that must wait are handed to single `process-inbox` jobs delayed by their wait, so
   * one throttled shop never holds back the others in the group.
   */
  async processInboxBatch(inboxIds: string[]): Promise<void> {
    const outcomes = await this.batcher.submit(inboxIds);
    const waiting = inboxIds
      .map((id, i) => ({ id, outcome: outcomes[i] }))
      .filter((x): x is { id: string; outcome: Extract<JobOutcome, { kind: 'delay' }> } => x.outcome.kind === 'delay');
    if (waiting.length > 0) await this.jobs.addInboxDelayed(waiting.map((w) => ({ id: w.id, delayMs: w.outcome.ms, later: w.outcome.later })));
  }

  /** normalise a group of inbox rows; one outcome per id, in order */
  async processBatch(ids: string[]): Promise<JobOutcome[]> {
    this.stats.batches += 1;
    this.stats.jobs += ids.length;
    const outcomes = new Map<string, JobOutcome>(ids.map((id) => [id, DONE]));
    const rows = await this.inbox.pendingByIds(ids);
    this.stats.statements += 1;
    if (rows.length === 0) return ids.map(() => DONE);

    // group by shop
    const byShop = new Map<string, { shop: ShopContext | null; rows: InboxRow[] }>();
    const shopCache = new Map<string, Promise<ShopContext | null>>();
    const ignored: { id: string; reason: string }[] = [];
    for (const r of rows) {
      const lookupKey = r.shop_id ?? `${r.platform}/${r.platform_shop_id ?? ''}`;
      let p = shopCache.get(lookupKey);
      if (!p) {
        p = r.shop_id
          ? this.shops.get(r.shop_id)
          : r.platform_shop_id
            ? this.shops.findByPlatformShopId(r.platform, r.platform_shop_id)
            : Promise.resolve(null);
        shopCache.set(lookupKey, p);
      }
      const shop = await p;
      if (!shop) {
        ignored.push({ id: r.id, reason: `unknown shop ${r.platform}/${r.platform_shop_id ?? r.shop_id ?? '?'}` });
        continue;
      }
      const g = byShop.get(shop.shopId) ?? { shop, rows: [] };
      g.rows.push(r);
      byShop.set(shop.shopId, g);
    }

    const fetched: CanonicalOrder[] = [];
    const processed: string[] = [];
    // an order already stored at the message's update time or later needs no fetch: an earlier list call
    // (which upserts every order it returns) or a duplicate message got there first
    const delivered = await this.dropAlreadyCurrent(byShop, processed);
    // the order rate the platform quota must carry: orders whose change this batch reads, retries not counted
    for (const { shop, rows: shopRows } of byShop.values()) {
      const firstLooks = new Set(shopRows.filter((r) => r.attempts === 0 && r.last_error === null).map((r) => r.platform_order_id));
      this.meter?.add(orderReadsKey(shop!.platform, shop!.shopId), 'orders', firstLooks.size);
    }
    const retry: { id: string; error: string; delayMs: number; deferred: boolean; later: boolean }[] = [];
    const failed: { id: string; error: string }[] = [];
    const refusals: { shop: ShopContext; refused: Refusal[] }[] = [];
    await Promise.all(
      [...byShop.values()].map(async ({ shop, rows: shopRows }) => {
        const s = shop!;
        const adapter = this.adapters.get(s.platform);
        const result = await this.fetchOrders(s, adapter, shopRows, delivered);
        // only the asking shop's orders, at believable times, are applied (as that shop's)
        const checked = checkAnswer(s, result.orders.values(), Date.now(), this.opts.maxFutureSkewMs);
        fetched.push(...checked.accepted);
        const refused = [...result.refused, ...checked.refused];
        if (refused.length > 0) refusals.push({ shop: s, refused });
        const queued = quotaQueue(result.readSequence, result.errors);
        for (const r of shopRows) {
          const err = result.errors.get(r.platform_order_id);
          if (err === undefined) processed.push(r.id);
          else if (isPermanent(err)) failed.push({ id: r.id, error: describeError(err) });
          else {
            const later = delivered.has(orderKey(s.shopId, r.platform_order_id));
            const delayMs = retryDelayMs(err, r.attempts + 1) + (queued.get(r.platform_order_id) ?? 0);
            retry.push({ id: r.id, error: describeError(err), delayMs, deferred: isDeferral(err), later });
          }
        }
      }),
    );

    let summary: UpsertSummary | null = null;
    await retryOnConflict(() => this.inbox.transaction(async (em) => {
      summary = await this.upserts.apply(em, fetched);
      this.stats.statements += summary.statements + 2; // + BEGIN/COMMIT
      for (const r of refusals) this.stats.statements += await recordRefusals(em, r.shop, r.refused);
      if (processed.length > 0) {
        await this.inbox.markProcessed(em, processed);
        this.stats.statements += 1;
      }
      const settled: InboxSettlement[] = [
        ...ignored.map((x) => ({ ...x, status: 'ignored' as const, counts: 1 })),
        ...failed.map((x) => ({ id: x.id, reason: x.error, status: 'failed' as const, counts: 1 })),
        // a deferral (breaker open, throttled) is not an attempt: see isDeferral
        ...retry.map((x) => ({ id: x.id, reason: x.error, status: 'pending' as const, counts: x.deferred ? 0 : 1 })),
      ];
      if (settled.length > 0) {
        await this.inbox.settle(em, settled);
        this.stats.statements += 1;
      }
    }), 3, { insertRace: true }); // two batches first-storing the same new order: the loser's rerun updates it
    for (const r of refusals) {
      this.logger.warn({ msg: 'platform answer: orders refused, not applied', shopId: r.shop.shopId, ...refusalSummary(r.refused) });
    }
    // committed: ERP deliveries (the sweeper re-adds lost ones) and catalog-sync's stock events (the relay's outbox rows)
    const done = summary as UpsertSummary | null;
    const outbox: OutboxRef[] = done?.outbox ?? [];
    this.metrics.normalised(outbox);
    if ((done?.changedOrders.length ?? 0) > 0) this.orderEvents.wake(); // committed with the orders (order_sync.stock_events, coupon_events)
    if (outbox.length > 0) await this.jobs.addDeliveries(outbox, '', this.opts.erpPushChunk);

    for (const f of failed) outcomes.set(f.id, { kind: 'failed', reason: f.error });
    for (const r of retry) outcomes.set(r.id, { kind: 'delay', ms: r.delayMs, reason: r.error, ...(r.later ? { later: true } : {}) });
    return ids.map((id) => outcomes.get(id) ?? DONE);
  }

  /**
   * Drops the rows whose order is stored at the message's update time or later (marked processed), and
   * returns the orders (orderKey) the ERP has already acknowledged: fetching those again is a refresh, which
   * waits behind first fetches of new orders when the quota is short.
   */
  private async dropAlreadyCurrent(byShop: Map<string, { shop: ShopContext | null; rows: InboxRow[] }>, processed: string[]): Promise<Set<string>> {
    const delivered = new Set<string>();
    const candidates = [...byShop.values()].flatMap((g) => g.rows);
    if (candidates.length === 0) return delivered;
    // by the shop each row was resolved to: the order of that shop, never another's with the same platform id
    const shopOf = new Map<InboxRow, string>();
    for (const [shopId, g] of byShop) for (const r of g.rows) shopOf.set(r, shopId);
    const stored = await this.orders.storedVersions(candidates.map((r) => shopOf.get(r)!), candidates.map((r) => r.platform_order_id));
    this.stats.statements += 1;
    if (stored.length === 0) return delivered;
    for (const o of stored) if (o.acked) delivered.add(orderKey(o.shop_id, o.platform_order_id));
    const current = new Map(stored.map((o) => [orderKey(o.shop_id, o.platform_order_id), o.platform_updated_at.getTime()]));
    for (const [shopId, g] of byShop) {
      const keep = g.rows.filter((r) => {
        const at = current.get(orderKey(shopId, r.platform_order_id));
        const skip = at !== undefined && r.occurred_at !== null && at >= r.occurred_at.getTime();
        if (skip) processed.push(r.id);
        return !skip;
      });
      if (keep.length === 0) byShop.delete(shopId);
      else g.rows = keep;
    }
    return delivered;
  }

  /**
   * The current state of each order the rows name, spending at most about one platform call per order.
   * Several orders of one shop with known event times inside the adapter's list window: one list call
   * (paged) over [earliest event - 1 s, latest + 1 s], where the list carries whole orders; a next page only
   * while the pages so far have paid for themselves (pages + orders still missing stay within the orders
   * asked for), so paging never costs more than fetching each order would. Then getOrder for whatever the
   * list did not return: first fetches of orders the ERP does not have yet before refreshes of orders it
   * has (`delivered`), so a short quota goes to new orders; a read of the same order already in flight in
   * this process is shared (duplicate messages in concurrent batches cost one call).
   */
  private async fetchOrders(
    shop: ShopContext,
    adapter: PlatformAdapter,
    rows: InboxRow[],
    delivered: ReadonlySet<string>,
  ): Promise<{ orders: Map<string, CanonicalOrder>; errors: Map<string, unknown>; refused: Refusal[]; readSequence: string[] }> {
    const wanted = new Set(rows.map((r) => r.platform_order_id));
    const orders = new Map<string, CanonicalOrder>();
    const errors = new Map<string, unknown>();
    const refused: Refusal[] = [];
    const times = rows.map((r) => r.occurred_at?.getTime() ?? Number.NaN);
    const now = Date.now();
    // the messages' own update times bound the window (+-1 s for clock granularity): an order changed again
    // since then is fetched by id below
    const from = Math.min(...times) - 1000;
    const to = Math.min(Math.max(...times) + 1000, now + 1000);
    const windowOk =
      adapter.capabilities.orderListIncludesDetail &&
      wanted.size >= this.opts.coalesceMinOrders &&
      times.every((t) => Number.isFinite(t)) &&
      (to - from) / 1000 <= adapter.capabilities.orderListMaxWindowSec;
    if (windowOk) {
      try {
        let page: string | null = null;
        for (let pages = 0; pages < this.opts.coalesceMaxPages; ) {
          this.stats.listCalls += 1;
          const res = await adapter.listOrders(shop, {
            from: new Date(from),
            to: new Date(to),
            page,
            pageSize: Math.min(100, adapter.capabilities.orderListMaxPageSize),
            // the messages' orders changed a moment ago: newest first finds them on the first page even when
            // hundreds of orders changed earlier in the window (oldest first, they were pages away)
            newestFirst: true,
          });
          pages += 1;
          // every order the list returned is the platform's current state: keep them all (the upsert only
          // applies newer versions), so the messages for them that arrive next need no fetch
          for (const o of res.orders) orders.set(o.platformOrderId, o);
          // an order whose status has no mapping: recorded and skipped (its message fails for good, naming the status)
          refused.push(...unmappedRefusals(res));
          for (const u of res.unmapped ?? []) {
            if (!wanted.has(u.platformOrderId)) continue;
            errors.set(u.platformOrderId, new UpstreamError(shop.platform, 'invalid_request', `order ${u.platformOrderId}: unknown ${shop.platform} status ${u.platformStatus}`));
          }
          page = res.next;
          const stillMissing = [...wanted].filter((id) => !orders.has(id) && !errors.has(id)).length;
          if (!res.hasMore || page === null || stillMissing === 0) break;
          // another page pays only if it can beat fetching the missing ones by id: at most one call per order
          if (pages + 1 + stillMissing > wanted.size) break;
        }
      } catch (e) {
        if (!isUpstreamError(e)) throw e;
        // throttled or down: every order of this shop waits; no point in hammering getOrder now
        if (e.retryable) {
          for (const id of wanted) errors.set(id, e);
          // no place in line (readSequence empty): they come back together and share the next list call
          return { orders, errors, refused, readSequence: [] };
        }
        this.logger.warn(`list for shop ${shop.shopId} failed (${e.kind}); falling back to getOrder`);
      }
    }
    // first fetches first: an order the ERP has not acknowledged yet is on the SLA clock, a refresh is not
    const missing = [...wanted]
      .filter((id) => !orders.has(id) && !errors.has(id))
      .sort((a, b) => Number(delivered.has(orderKey(shop.shopId, a))) - Number(delivered.has(orderKey(shop.shopId, b))));
    // the latest update time the rows give for each order: a shared read must have started after it
    const changedAt = new Map<string, number>();
    for (const r of rows) {
      const t = r.occurred_at?.getTime() ?? Number.POSITIVE_INFINITY;
      changedAt.set(r.platform_order_id, Math.max(changedAt.get(r.platform_order_id) ?? Number.NEGATIVE_INFINITY, t));
    }
    // detail calls run `detailConcurrency` at a time per shop (a pool, not waves, taken in `missing` order): the
    // adapter's shared rate limiter keeps the shop inside its platform QPS, and a throttled shop stops early
    let next = 0;
    let throttled: unknown = null;
    const worker = async () => {
      while (next < missing.length) {
        const id = missing[next++];
        if (throttled) {
          errors.set(id, throttled);
          continue;
        }
        try {
          const o = await this.readOrder(shop, adapter, id, changedAt.get(id) ?? Number.POSITIVE_INFINITY);
          if (answersTheId(id, o)) orders.set(id, o);
          else {
            // the answer to "order X" is another order: applied to nothing, and X cannot be read this way
            refused.push({ platformOrderId: o.platformOrderId, reason: 'not_asked', updatedAt: o.updatedAt ?? null });
            errors.set(id, new UpstreamError(shop.platform, 'invalid_request', `answer for order ${id} names another order`));
          }
        } catch (e) {
          if (!isUpstreamError(e)) throw e;
          errors.set(id, e);
          // a status with no mapping: recorded (orders_refused) and its message fails for good; the others go on
          if (isUnknownStatus(e)) refused.push({ platformOrderId: id, reason: 'unknown_status', updatedAt: null });
          if (e.kind === 'rate_limited' || e.kind === 'circuit_open') throttled = e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.detailConcurrency, missing.length) }, worker));
    return { orders, errors, refused, readSequence: missing };
  }

  /**
   * getOrder, or the read of the same order another batch of this process has in flight when that read started
   * after the order's latest change named here (see SHARED_READ_MARGIN_MS): its answer (or error) is this one's.
   */
  private readOrder(shop: ShopContext, adapter: PlatformAdapter, id: string, changedAt: number): Promise<CanonicalOrder> {
    const key = orderKey(shop.shopId, id);
    const running = this.reads.get(key);
    if (running && running.startedAt >= changedAt + SHARED_READ_MARGIN_MS) {
      this.stats.sharedGets += 1;
      return running.result;
    }
    this.stats.getCalls += 1;
    const read: InFlightRead = { startedAt: Date.now(), result: adapter.getOrder(shop, id) };
    this.reads.set(key, read);
    const forget = () => {
      if (this.reads.get(key) === read) this.reads.delete(key);
    };
    read.result.then(forget, forget);
    return read.result;
  }
}

/**
 * The orders our own quota limiter turned away, each given its place in line: the i-th (in read order, first
 * fetches first) comes back i slots of the quota later than the limiter's hint. Without it every waiting row
 * would retry at the same moment, one would get the slot and the rest bounce again; in line, the backlog
 * drains at the quota's rate with about one retry per order.
 */
function quotaQueue(readSequence: readonly string[], errors: ReadonlyMap<string, unknown>): Map<string, number> {
  const out = new Map<string, number>();
  let place = 0;
  for (const id of readSequence) {
    const e = errors.get(id);
    if (!isOwnQuotaLimit(e)) continue;
    const qps = (e as UpstreamError).details.quotaPerSec ?? 0;
    out.set(id, qps > 0 ? Math.round((place * 1000) / qps) : 0);
    place += 1;
  }
  return out;
}

/** an order's identity in this service: its shop and the platform's order id */
function orderKey(shopId: string, platformOrderId: string): string {
  return `${shopId}/${platformOrderId}`;
}
