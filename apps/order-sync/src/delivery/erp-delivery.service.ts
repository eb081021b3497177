import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { isUpstreamError, type CanonicalOrder, type Platform } from '@app/contracts';
import { ErpConnector, describeErpFailure, type ErpOrderEnvelope, type ErpPushResult } from '@app/erp';
import { GroupCommitter } from '@app/intake';
import { addConcurrencySource } from '@app/observability';
import { DELIVERY_OPTIONS, type DeliveryOptions } from './delivery.options';
import { BuyerVault, fromOutboxPayload } from '../orders/buyer-vault';
import { ErpLanes, type ErpLane } from './erp-lanes';
import { ErpLaneCapacity } from './erp-lane-capacity';
import { interceptReason } from '../orders/order-transitions';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import { SlaLedger } from '../sla/sla-ledger.service';
import { DONE, describeError, outcomeFor, retryDelayMs, type JobOutcome } from '@app/queue';
import { retryOnConflict } from '../shared/sql';
import { OutboxRepository, type ClaimedOutboxRow, type OutboxAck, type OutboxFailure, type OutboxRetry } from './outbox.repository';

export interface DeliveryStats {
  pushCalls: number;
  pushedRows: number;
  statements: number;
}

/**
 * One job's outcome from its rows' outcomes: any row still pending delays the job until the earliest is due;
 * otherwise a failed row fails it (the reason and the count stay on the job, and /ops/outbox/retry re-sends
 * the rows); otherwise it is done.
 */
function combine(ids: readonly string[], outcomes: JobOutcome[]): JobOutcome {
  const delays = outcomes.filter((o): o is Extract<JobOutcome, { kind: 'delay' }> => o.kind === 'delay');
  if (delays.length > 0) return delays.reduce((a, b) => (b.ms < a.ms ? b : a));
  const failures = outcomes.filter((o): o is Extract<JobOutcome, { kind: 'failed' }> => o.kind === 'failed');
  if (failures.length > 0) {
    return { kind: 'failed', reason: ids.length === 1 ? failures[0].reason : `${failures.length} of ${ids.length} rows failed: ${failures[0].reason}` };
  }
  return DONE;
}

/** a job for a lane that already holds this many waiting jobs is delayed (if another lane has work) */
const laneCap = (concurrency: number): number => Math.max(1, Math.ceil(concurrency / 2));
/** how long a job turned away from a busy lane waits before trying again */
const LANE_BUSY_DELAY_MS = 250;
/** how long rows of a merchant whose stored connection cannot be used wait before it is looked at again */
const UNUSABLE_DELAY_MS = 30_000;
/** how often a lane whose jobs wait for a call slot may raise its limit (AimdLimiter.probe) */
const PROBE_INTERVAL_MS = 500;

/** one merchant's deliveries in this process: its lane (connector), its capacity and the push jobs grouped for it */
interface LaneState {
  lane: ErpLane;
  merchantId: string | null;
  capacity: ErpLaneCapacity;
  grouper: GroupCommitter<string, JobOutcome>;
  /** raises the limit while jobs wait for a call slot (cleared when the lane is replaced or at shutdown) */
  probe: NodeJS.Timeout;
  /** the last top-up got every row it asked for: the merchant's backlog goes on beyond it */
  backlog: boolean;
  pushJobs: number;
  interceptJobs: number;
}

/**
 * Delivers outbox rows to each merchant's ERP (ErpLanes: its own connector and breaker, or the default ERP).
 * A push job names its rows (one merchant's chunk written by one ingest transaction); the jobs a worker runs
 * at once are grouped per merchant, and their rows still pending are claimed with FOR UPDATE SKIP LOCKED and
 * a lease (next_attempt_at moved forward), up to that merchant's batch size per ERP call, so no transaction
 * stays open during the HTTP call and concurrent workers never send the same row. Results are written with
 * one statement per outcome class. Each job settles on its own rows (see `combine`).
 *
 * Capacity (ErpLaneCapacity): the calls a merchant's grouper has in flight follow an AIMD limit, so a slow ERP
 * that keeps answering gets more calls at once (up to its maximum) and one that times out or fails gets
 * fewer; each call's time limit follows the ERP's latency and the claim's lease covers it. While the merchant
 * has a backlog (the call takes the last slot, or the last top-up came back full), a call is topped up to the
 * connector's batch size with the merchant's other due rows, so a backlog drains in full batches.
 *
 * Isolation: each merchant has its own grouper and capacity (its in-flight calls never hold another merchant's
 * rows), its own breaker and retry delays (on its own rows), and while another merchant has work, a merchant
 * holds at most half the worker slots; a job beyond that is delayed (no attempt burned) instead of waiting on a
 * slow ERP.
 */
@Injectable()
export class ErpDeliveryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ErpDeliveryService.name);
  readonly stats: DeliveryStats = { pushCalls: 0, pushedRows: 0, statements: 0 };
  private readonly lanes: ErpLanes;
  private readonly states = new Map<string, LaneState>();
  private offMetrics: (() => void) | null = null;

  constructor(
    private readonly outbox: OutboxRepository,
    erp: ErpConnector,
    private readonly metrics: OrderSyncMetrics,
    @Inject(DELIVERY_OPTIONS) private readonly opts: DeliveryOptions,
    private readonly vault: BuyerVault,
    private readonly ledger: SlaLedger,
    @Optional() lanes?: ErpLanes,
  ) {
    this.lanes = lanes ?? new ErpLanes(erp);
  }

  onModuleInit(): void {
    this.offMetrics = addConcurrencySource({
      upstream: 'erp',
      read: () => {
        let inFlight = 0;
        let limit = 0;
        for (const st of this.states.values()) {
          inFlight += st.capacity.limiter.inFlight;
          limit += st.capacity.limiter.limit;
        }
        return { inFlight, limit };
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.offMetrics?.();
    for (const st of this.states.values()) clearInterval(st.probe);
    await Promise.all([...this.states.values()].map((st) => st.grouper.drain()));
  }

  /** the lane state of a merchant in this process, if it has one (tests, ops) */
  capacityOf(merchantId: string | null): ErpLaneCapacity | null {
    return this.states.get(merchantId ?? '')?.capacity ?? null;
  }

  /** the canonical order the ERP gets: the one place (with GET /erp/orders) the buyer is opened */
  private orderOf(row: ClaimedOutboxRow): CanonicalOrder {
    return fromOutboxPayload(this.vault, row.order_id, row.payload);
  }

  /** one push job: its rows (one merchant's, usually one ingest transaction's chunk) go out with other jobs' rows of that merchant */
  async deliverPush(outboxIds: readonly string[], merchantId?: string | null): Promise<JobOutcome> {
    const ids = [...new Set(outboxIds)];
    if (merchantId !== undefined) return combine(ids, await this.pushFor(merchantId, ids));
    // a job from before merchant ids were in job data: its rows, split by merchant
    const rows = await this.outbox.merchantsOf(ids);
    const byMerchant = new Map<string | null, string[]>();
    for (const r of rows) byMerchant.set(r.merchant_id, [...(byMerchant.get(r.merchant_id) ?? []), r.id]);
    const outcome = new Map<string, JobOutcome>();
    await Promise.all(
      [...byMerchant].map(async ([m, mine]) => {
        const out = await this.pushFor(m, mine);
        mine.forEach((id, i) => outcome.set(id, out[i]));
      }),
    );
    return combine(ids, ids.map((id) => outcome.get(id) ?? { kind: 'failed', reason: `outbox row ${id} not found` }));
  }

  /** the lane state of a merchant; a rebuilt lane (changed connection) gets a fresh one, the old one drains */
  private async stateFor(merchantId: string | null): Promise<LaneState> {
    const lane = await this.lanes.forMerchant(merchantId);
    const key = merchantId ?? '';
    const current = this.states.get(key);
    if (current && current.lane === lane) return current;
    if (current) {
      clearInterval(current.probe);
      void current.grouper.drain();
    }
    const capacity = new ErpLaneCapacity(lane.calls);
    const grouper = new GroupCommitter<string, JobOutcome>((ids) => this.pushGroup(st, ids), {
      maxBatch: lane.maxBatch,
      maxWaitMs: 2,
      maxInFlight: () => capacity.limiter.limit,
    });
    const probe = setInterval(() => {
      if (grouper.waiting > 0 && capacity.limiter.probe(true)) grouper.kick();
    }, PROBE_INTERVAL_MS);
    probe.unref();
    const st: LaneState = { lane, merchantId, capacity, grouper, probe, backlog: false, pushJobs: 0, interceptJobs: 0 };
    this.states.set(key, st);
    return st;
  }

  /** another merchant has deliveries under way in this process */
  private othersBusy(st: LaneState): boolean {
    for (const other of this.states.values()) if (other !== st && other.pushJobs + other.interceptJobs > 0) return true;
    return false;
  }

  /** what happens to one merchant's rows: pushed through its lane, handed to the pull API, or held */
  private async pushFor(merchantId: string | null, ids: string[]): Promise<JobOutcome[]> {
    const st = await this.stateFor(merchantId);
    const held = await this.withoutConnector(st, ids);
    if (held) return held;
    if (st.pushJobs >= laneCap(this.opts.erpPushConcurrency) && this.othersBusy(st)) {
      return ids.map(() => ({ kind: 'delay', ms: LANE_BUSY_DELAY_MS, reason: 'this merchant’s ERP deliveries already hold their share of workers' }));
    }
    st.pushJobs += 1;
    try {
      return await st.grouper.submit(ids);
    } finally {
      st.pushJobs -= 1;
    }
  }

  /**
   * A lane without a connector: `pull` (rows are settled as handed over — the ERP reads the orders through
   * GET /erp/orders and acks them there) or an unusable stored connection (rows wait, with the reason).
   * null when the lane has a connector.
   */
  private async withoutConnector(st: LaneState, ids: string[]): Promise<JobOutcome[] | null> {
    if (st.lane.connector) return null;
    if (st.lane.unusable !== null) {
      await this.markRetry(ids.map((id) => ({ id, error: st.lane.unusable!, delayMs: UNUSABLE_DELAY_MS })));
      return ids.map(() => ({ kind: 'delay', ms: UNUSABLE_DELAY_MS, reason: st.lane.unusable! }));
    }
    await this.outbox.markHandedOver(ids, st.merchantId);
    this.stats.statements += 1;
    return ids.map(() => DONE);
  }

  /** the rows of a group of one merchant's jobs: one outcome per id, in order */
  private async pushGroup(st: LaneState, group: string[]): Promise<JobOutcome[]> {
    const ids = [...new Set(group)];
    const settled = new Map<string, JobOutcome>();
    const size = st.lane.maxBatch;
    for (let i = 0; i < ids.length; i += size) await this.pushRows(st, ids.slice(i, i + size), settled);
    await this.readOutcomes(ids, settled);
    return group.map((id) => settled.get(id) ?? DONE);
  }

  /**
   * Claims, pushes and records one ERP call's worth of rows (`ids`, topped up from the merchant's backlog when
   * it has one); what happened to each claimed row goes to `settled`.
   */
  private async pushRows(st: LaneState, ids: string[], settled: Map<string, JobOutcome>): Promise<void> {
    const erp = st.lane.connector!;
    const cap = st.capacity;
    const timeoutMs = cap.timeout.timeoutMs;
    const leaseSec = cap.leaseSec(this.opts.erpLeaseSec, timeoutMs);
    const claimed = await this.outbox.claim(ids, 'push', leaseSec, st.merchantId);
    this.stats.statements += 1;
    // a backlog: this call takes the last free slot, or the last top-up found more rows than it could take
    const room = st.lane.maxBatch - claimed.length;
    if (room > 0 && (st.backlog || cap.limiter.inFlight + 1 >= cap.limiter.limit)) {
      const inHand = [...ids, ...st.grouper.waitingItems()];
      const extra = await this.outbox.claimBacklog(st.merchantId, room, inHand, leaseSec);
      this.stats.statements += 1;
      st.backlog = extra.length === room;
      claimed.push(...extra);
    }
    if (claimed.length === 0) return;
    const envelopes: ErpOrderEnvelope[] = claimed.map((r) => ({
      orderId: r.order_id,
      version: r.version,
      idempotencyKey: r.idempotency_key,
      order: this.orderOf(r),
    }));
    this.stats.pushCalls += 1;
    this.stats.pushedRows += envelopes.length;
    let results: ErpPushResult[];
    const call = cap.begin(timeoutMs);
    try {
      results = await erp.pushOrders(envelopes, { timeoutMs });
    } catch (e) {
      cap.finish(call, e);
      // a failed call is no reason to take more rows: the next calls top up again once one gets through
      st.backlog = false;
      await this.settleAll(claimed, e);
      if (!isUpstreamError(e)) throw e;
      const attempts = Math.max(...claimed.map((r) => r.attempts));
      const mine = outcomeFor(e, { attempt: attempts, clock: 'row', describe: describeErpFailure });
      for (const r of claimed) settled.set(r.id, mine);
      return;
    }
    cap.finish(call, null);
    const byKey = new Map(claimed.map((r) => [r.idempotency_key, r]));
    const delivered: OutboxAck[] = [];
    const retry: OutboxRetry[] = [];
    const failed: OutboxFailure[] = [];
    const seen = new Set<string>();
    for (const res of results) {
      const row = byKey.get(res.idempotencyKey);
      if (!row) continue;
      seen.add(row.id);
      if (res.ok) delivered.push({ id: row.id, erpOrderId: res.erpOrderId, acceptedAt: res.acceptedAt });
      else if (res.error.retryable) retry.push({ id: row.id, error: describeError(res.error), delayMs: retryDelayMs(res.error, row.attempts) });
      else failed.push({ id: row.id, error: describeError(res.error) });
    }
    // a row the connector said nothing about is retried soon
    for (const r of claimed) if (!seen.has(r.id)) retry.push({ id: r.id, error: 'error: no result from connector', delayMs: retryDelayMs(null, r.attempts) });
    await this.markDelivered(delivered);
    await this.markRetry(retry);
    await this.markFailed(failed);
    for (const d of delivered) settled.set(d.id, DONE);
    for (const r of retry) settled.set(r.id, { kind: 'delay', ms: r.delayMs, reason: r.error });
    for (const f of failed) settled.set(f.id, { kind: 'failed', reason: f.error });
  }

  async deliverIntercept(outboxId: string, merchantId?: string | null): Promise<JobOutcome> {
    const merchant =
      merchantId !== undefined
        ? merchantId
        : await this.outbox.merchantOf(outboxId);
    const st = await this.stateFor(merchant);
    const held = await this.withoutConnector(st, [outboxId]);
    if (held) return held[0];
    if (st.interceptJobs >= laneCap(this.opts.erpInterceptConcurrency) && this.othersBusy(st)) {
      return { kind: 'delay', ms: LANE_BUSY_DELAY_MS, reason: 'this merchant’s ERP interceptions already hold their share of workers' };
    }
    st.interceptJobs += 1;
    try {
      return await this.interceptOne(st, outboxId);
    } finally {
      st.interceptJobs -= 1;
    }
  }

  private async interceptOne(st: LaneState, outboxId: string): Promise<JobOutcome> {
    const timeoutMs = st.capacity.timeout.timeoutMs;
    const leaseSec = st.capacity.leaseSec(this.opts.erpLeaseSec, timeoutMs);
    const claimed = await this.outbox.claim([outboxId], 'intercept', leaseSec, st.merchantId);
    const row = claimed[0];
    if (!row) {
      const settled = new Map<string, JobOutcome>();
      await this.readOutcomes([outboxId], settled);
      return settled.get(outboxId) ?? DONE;
    }
    let res;
    const started = Date.now();
    try {
      res = await st.lane.connector!.intercept(
        {
          orderId: row.order_id,
          idempotencyKey: row.idempotency_key,
          order: this.orderOf(row),
          reason: interceptReason(row.payload.status),
        },
        { timeoutMs },
      );
    } catch (e) {
      st.capacity.observe(Date.now() - started, e, timeoutMs);
      await this.settleAll([row], e);
      if (!isUpstreamError(e)) throw e;
      return outcomeFor(e, { attempt: row.attempts, clock: 'row', describe: describeErpFailure });
    }
    st.capacity.observe(Date.now() - started, null, timeoutMs);
    if (res.ok) {
      await this.outbox.markInterceptDelivered(row.id);
      return DONE;
    }
    if (res.error.retryable) {
      const ms = retryDelayMs(res.error, row.attempts);
      await this.markRetry([{ id: row.id, error: describeError(res.error), delayMs: ms }]);
      return { kind: 'delay', ms, reason: describeError(res.error) };
    }
    await this.markFailed([{ id: row.id, error: describeError(res.error) }]);
    return { kind: 'failed', reason: describeError(res.error) };
  }

  /** ops: failed rows back to pending; returns them so the caller can enqueue */
  /** the merchant's failed outbox rows (`ids`, or all of them for null) back to pending; another merchant's ids are not touched */
  async resetFailed(merchantId: string, ids: string[] | null): Promise<{ outboxId: string; kind: 'push' | 'intercept'; merchantId: string | null }[]> {
    const rows = await this.outbox.resetFailed(merchantId, ids);
    return rows.map((r) => ({ outboxId: r.id, kind: r.kind, merchantId: r.merchant_id }));
  }

  /**
   * Fills in `settled` for the rows this run did not claim (leased by another worker, backing off, or already
   * finished) from their current state.
   */
  private async readOutcomes(ids: readonly string[], settled: Map<string, JobOutcome>): Promise<void> {
    const unknown = ids.filter((id) => !settled.has(id));
    if (unknown.length === 0) return;
    const rows = await this.outbox.states(unknown);
    const found = new Map(rows.map((r) => [r.id, r]));
    for (const id of unknown) {
      const r = found.get(id);
      if (!r) settled.set(id, { kind: 'failed', reason: `outbox row ${id} not found` });
      else if (r.status === 'failed') settled.set(id, { kind: 'failed', reason: r.last_error ?? 'failed' });
      // pending: leased by another worker or backing off; come back when it is due (the other worker usually wins)
      else if (r.status === 'pending') settled.set(id, { kind: 'delay', ms: r.wait_ms + 100, reason: 'row leased or backing off' });
      else settled.set(id, DONE);
    }
  }

  /** a whole call failed: every row gets the call's failure (describeErpFailure: timeout / unavailable / circuit_open ...) */
  private async settleAll(rows: ClaimedOutboxRow[], e: unknown): Promise<void> {
    const error = describeErpFailure(e);
    if (isUpstreamError(e) && !e.retryable) {
      await this.markFailed(rows.map((r) => ({ id: r.id, error })));
      return;
    }
    const retryable = isUpstreamError(e);
    // unknown errors release the lease at once: BullMQ's own retry/backoff owns them
    await this.markRetry(rows.map((r) => ({ id: r.id, error, delayMs: retryable ? retryDelayMs(e, r.attempts) : 0 })));
  }

  /**
   * The ack: rows delivered, each order's first ack time set (the ERP's own acceptedAt when it says, kept between
   * the order first seen and now; else now) and, in the same transaction, the SLA ledger's verdict on it.
   */
  private async markDelivered(rows: OutboxAck[]): Promise<void> {
    if (rows.length === 0) return;
    const { acked, events } = await retryOnConflict(() => this.outbox.transaction(async (em) => {
      const acked = await this.outbox.ack(em, rows);
      return { acked, events: await this.ledger.recordAcks(em, acked) };
    }));
    this.stats.statements += 1;
    this.ledger.publish(events);
    for (const a of acked) if (a.first_ack) this.metrics.acked(a);
  }

  private async markRetry(rows: OutboxRetry[]): Promise<void> {
    if (rows.length === 0) return;
    await this.outbox.markRetry(rows);
    this.stats.statements += 1;
    this.logger.warn(`ERP delivery of ${rows.length} rows postponed: ${rows[0].error}`);
  }

  private async markFailed(rows: OutboxFailure[]): Promise<void> {
    if (rows.length === 0) return;
    const failed = await this.outbox.markFailed(rows);
    this.stats.statements += 1;
    this.metrics.erpRejected(failed);
    this.logger.error(`ERP delivery of ${rows.length} rows failed permanently: ${rows[0].error}`);
  }
}
