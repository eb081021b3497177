import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { UpstreamError, type CanonicalOrder } from '@app/contracts';
import type { ErpCallOptions, ErpInterception, ErpOrderEnvelope, ErpPushResult } from '@app/erp';
import { sampleOrder } from '@app/erp/testing/erp-fixtures';
import { SecretBox } from '@app/persistence';
import { FakeErpConnector, FakeErpLanes, FakeOutboxRepository, type FakeOutboxRow } from '../../test/fakes';
import { DEFAULT_ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { BuyerVault, toOutboxPayload } from '../orders/buyer-vault';
import { interceptReason } from '../orders/order-transitions';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import type { AckRow, SlaLedger } from '../sla/sla-ledger.service';
import { ErpDeliveryService } from './erp-delivery.service';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

/** an ERP whose answers a test scripts: whole-call failures, per-row retryable refusals, silence, a gate */
class ScriptedErp extends FakeErpConnector {
  /** every call's envelopes, as sent (FakeErpConnector.pushCalls holds only the calls it answered) */
  readonly sent: ErpOrderEnvelope[][] = [];
  readonly timeouts: (number | undefined)[] = [];
  /** thrown by the next calls, one each */
  readonly throwNext: unknown[] = [];
  /** idempotency key -> a retryable refusal of that row */
  readonly retryKeys = new Map<string, UpstreamError>();
  /** keys the ERP's answer says nothing about */
  readonly silentKeys = new Set<string>();
  /** a non-retryable refusal of the next interception */
  interceptRefusal: UpstreamError | null = null;
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;

  /** calls wait until `release` */
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open?.();
    this.gate = null;
  }

  override async pushOrders(orders: ErpOrderEnvelope[], call?: ErpCallOptions): Promise<ErpPushResult[]> {
    this.sent.push(orders);
    this.timeouts.push(call?.timeoutMs);
    if (this.gate) await this.gate;
    if (this.throwNext.length > 0) throw this.throwNext.shift();
    const answered = await super.pushOrders(orders.filter((o) => !this.silentKeys.has(o.idempotencyKey)));
    return answered.map((r) => {
      const refusal = this.retryKeys.get(r.idempotencyKey);
      return refusal ? { idempotencyKey: r.idempotencyKey, ok: false as const, error: refusal } : r;
    });
  }

  override async intercept(req: ErpInterception): Promise<{ ok: true } | { ok: false; error: UpstreamError }> {
    if (this.interceptRefusal) return { ok: false, error: this.interceptRefusal };
    return super.intercept(req);
  }
}

/** the SLA ledger's part in an ack: what it was given, in which transaction */
class LedgerDouble {
  readonly recorded: { em: EntityManager; acks: AckRow[] }[] = [];
  async recordAcks(em: EntityManager, acks: AckRow[]): Promise<[]> {
    this.recorded.push({ em, acks });
    return [];
  }
  publish(): void {}
}

const vault = new BuyerVault(new SecretBox(randomBytes(32)));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await wait(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function setup(opts: Partial<OrderSyncOptions> = {}) {
  const repo = new FakeOutboxRepository();
  const erp = new ScriptedErp();
  const lanes = new FakeErpLanes(erp);
  const metrics = new OrderSyncMetrics();
  const ledger = new LedgerDouble();
  const sut = new ErpDeliveryService(repo, erp, metrics, { ...DEFAULT_ORDER_SYNC_OPTIONS, ...opts }, vault, ledger as unknown as SlaLedger, lanes);
  let n = 0;
  /** a pending row due now, its order's buyer sealed as the ingest seals it */
  const add = (p: Partial<FakeOutboxRow> & { order?: Partial<CanonicalOrder> } = {}): FakeOutboxRow => {
    n += 1;
    const { order: over, ...row } = p;
    const id = row.id ?? String(100 + n);
    const orderId = row.orderId ?? `order-${id}`;
    const order = sampleOrder({ platformOrderId: `po-${id}`, ...over });
    return repo.add({ id, orderId, payload: toOutboxPayload(order, vault.seal(orderId, order.buyer)), ...row });
  };
  return { repo, erp, lanes, metrics, ledger, sut, add };
}

type Setup = ReturnType<typeof setup>;

describe(ErpDeliveryService.name, () => {
  let t: Setup;
  afterEach(async () => {
    t.erp.release();
    await t.sut.onModuleDestroy();
  });

  describe('push: one row, one call', () => {
    it('acks a claimed row on success: delivered, its order acked with the ERP id in the same transaction as the SLA ledger, the buyer opened for the call', async () => {
      t = setup();
      const acked = jest.spyOn(t.metrics, 'acked');
      const ackSpy = jest.spyOn(t.repo, 'ack');
      const row = t.add();

      await expect(t.sut.deliverPush([row.id], null)).resolves.toEqual({ kind: 'done' });

      expect(t.repo.row(row.id)).toMatchObject({ status: 'delivered', attempts: 1, lastError: null });
      expect(t.repo.orderAcks.get(row.orderId)?.erpOrderId).toBe(`ERP-po-${row.id}`);
      expect(t.erp.sent).toHaveLength(1);
      expect(t.erp.sent[0][0]).toMatchObject({ orderId: row.orderId, idempotencyKey: row.idempotencyKey, order: { buyer: sampleOrder().buyer } });
      expect(t.repo.transactions).toBe(1);
      expect(t.ledger.recorded).toHaveLength(1);
      expect(t.ledger.recorded[0].acks).toMatchObject([{ order_id: row.orderId, first_ack: true }]);
      expect(t.ledger.recorded[0].em).toBe(ackSpy.mock.calls[0][0]);
      expect(acked).toHaveBeenCalledTimes(1);
      expect(t.sut.stats).toMatchObject({ pushCalls: 1, pushedRows: 1 });
    });

    it('a retryable refusal of a row leaves it pending, due after the ERP\'s hint, and delays the job by as much; the next attempt backs off by the attempt count', async () => {
      t = setup();
      const row = t.add();
      t.erp.retryKeys.set(row.idempotencyKey, new UpstreamError('erp', 'rate_limited', 'HTTP 429', { retryAfterMs: 7000 }));

      const first = await t.sut.deliverPush([row.id], null);
      expect(first).toMatchObject({ kind: 'delay', ms: 7000 });
      expect(t.repo.row(row.id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: t.repo.clock.t + 7000 });
      expect(t.repo.row(row.id).lastError).toContain('HTTP 429');
      expect(t.repo.attemptsLog).toEqual([{ outboxId: row.id, outcome: 'retry', error: t.repo.row(row.id).lastError }]);

      t.repo.clock.t += 7000;
      t.erp.retryKeys.set(row.idempotencyKey, new UpstreamError('erp', 'retryable', 'HTTP 503', { status: 503 }));
      await expect(t.sut.deliverPush([row.id], null)).resolves.toMatchObject({ kind: 'delay', ms: 2000 });
      expect(t.repo.row(row.id)).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: t.repo.clock.t + 2000 });
    });

    it('a refusal fails the row for good (history, rejection metric by merchant); a later job for it fails without calling the ERP', async () => {
      t = setup();
      const rejected = jest.spyOn(t.metrics, 'erpRejected');
      const row = t.add();
      t.erp.rejectKeys.add(row.idempotencyKey);

      const out = await t.sut.deliverPush([row.id], null);
      expect(out.kind).toBe('failed');
      expect(out).toMatchObject({ reason: expect.stringContaining('order rejected by the ERP') });
      expect(t.repo.row(row.id).status).toBe('failed');
      expect(t.repo.attemptsLog.map((a) => a.outcome)).toEqual(['failed']);
      expect(rejected).toHaveBeenCalledWith([{ merchant_id: null }]);
      expect(t.repo.orderAcks.size).toBe(0);

      await expect(t.sut.deliverPush([row.id], null)).resolves.toMatchObject({ kind: 'failed', reason: t.repo.row(row.id).lastError });
      expect(t.erp.sent).toHaveLength(1);
    });

    it('a row the ERP answers nothing about is retried after 1 s', async () => {
      t = setup();
      const row = t.add();
      t.erp.silentKeys.add(row.idempotencyKey);
      await expect(t.sut.deliverPush([row.id], null)).resolves.toEqual({ kind: 'delay', ms: 1000, reason: 'error: no result from connector' });
      expect(t.repo.row(row.id)).toMatchObject({ status: 'pending', lastError: 'error: no result from connector', nextAttemptAt: t.repo.clock.t + 1000 });
    });

    it('a job settles on its own rows: a row still pending delays it, else a refused row fails it ("1 of 2 rows failed")', async () => {
      t = setup();
      const [ok, retry, refused] = [t.add(), t.add(), t.add()];
      t.erp.retryKeys.set(retry.idempotencyKey, new UpstreamError('erp', 'retryable', 'HTTP 502', { status: 502 }));
      t.erp.rejectKeys.add(refused.idempotencyKey);

      await expect(t.sut.deliverPush([ok.id, retry.id, refused.id], null)).resolves.toMatchObject({ kind: 'delay', ms: 1000 });
      expect(t.erp.sent).toHaveLength(1);
      expect([ok, retry, refused].map((r) => t.repo.row(r.id).status)).toEqual(['delivered', 'pending', 'failed']);

      const [ok2, refused2] = [t.add(), t.add()];
      t.erp.rejectKeys.add(refused2.idempotencyKey);
      await expect(t.sut.deliverPush([ok2.id, refused2.id], null)).resolves.toMatchObject({
        kind: 'failed',
        reason: expect.stringMatching(/^1 of 2 rows failed: .*order rejected by the ERP/),
      });
    });
  });

  describe('rows the run cannot claim', () => {
    it('a row leased by another worker or backing off delays the job until it is due (+100 ms); a missing row fails; a delivered one is done; nothing is sent', async () => {
      t = setup();
      const backingOff = t.add({ nextAttemptAt: t.repo.clock.t + 4000 });
      const locked = t.add();
      t.repo.locked.add(locked.id);
      const delivered = t.add({ status: 'delivered' });

      await expect(t.sut.deliverPush([backingOff.id], null)).resolves.toEqual({ kind: 'delay', ms: 4100, reason: 'row leased or backing off' });
      await expect(t.sut.deliverPush([locked.id], null)).resolves.toEqual({ kind: 'delay', ms: 100, reason: 'row leased or backing off' });
      await expect(t.sut.deliverPush(['999'], null)).resolves.toEqual({ kind: 'failed', reason: 'outbox row 999 not found' });
      await expect(t.sut.deliverPush([delivered.id], null)).resolves.toEqual({ kind: 'done' });
      expect(t.erp.sent).toHaveLength(0);
      expect(t.repo.row(locked.id).attempts).toBe(0);
    });
  });

  describe('a failed call: breaker and capacity', () => {
    it('an open breaker: every row waits for the breaker\'s retry hint, and the call limit holds (an open breaker says nothing about capacity)', async () => {
      t = setup();
      t.erp.down = true;
      t.erp.downRetryAfterMs = 300;
      const [r1, r2] = [t.add(), t.add()];

      const out = await t.sut.deliverPush([r1.id, r2.id], null);
      expect(out).toMatchObject({ kind: 'delay', ms: 300 });
      for (const r of [r1, r2]) expect(t.repo.row(r.id)).toMatchObject({ status: 'pending', nextAttemptAt: t.repo.clock.t + 300 });
      expect(t.repo.attemptsLog.map((a) => a.outcome)).toEqual(['retry', 'retry']);
      expect(t.sut.capacityOf(null)?.limiter.limit).toBe(4);
    });

    it('a timed-out call halves the merchant\'s call limit and stretches the next time limit; its rows are retried by their attempt count', async () => {
      t = setup();
      t.lanes.useConnector(A, t.erp, { maxInFlight: 8, timeoutMs: 5000, timeoutMaxMs: 20_000 });
      const row = t.add({ merchantId: A });
      t.erp.throwNext.push(new UpstreamError('erp', 'retryable', 'timeout: total time limit of 5000 ms exceeded', { code: 'ETIMEDOUT' }));

      await expect(t.sut.deliverPush([row.id], A)).resolves.toMatchObject({ kind: 'delay', ms: 1000 });
      expect(t.repo.row(row.id)).toMatchObject({ status: 'pending', nextAttemptAt: t.repo.clock.t + 1000 });
      const cap = t.sut.capacityOf(A)!;
      expect(cap.limiter.limit).toBe(2);
      expect(cap.timeout.timeoutMs).toBe(10_000);
      expect(t.sut.capacityOf(null)).toBeNull();
    });

    it('a call refused as a whole (non-retryable) fails all its rows', async () => {
      t = setup();
      const [r1, r2] = [t.add(), t.add()];
      t.erp.throwNext.push(new UpstreamError('erp', 'invalid_request', 'HTTP 400', { status: 400 }));
      await expect(t.sut.deliverPush([r1.id, r2.id], null)).resolves.toMatchObject({ kind: 'failed' });
      expect([r1, r2].map((r) => t.repo.row(r.id).status)).toEqual(['failed', 'failed']);
    });

    it('an unclassified error releases the lease at once and propagates (BullMQ\'s retry owns it)', async () => {
      t = setup();
      const row = t.add();
      t.erp.throwNext.push(new Error('bug in the connector'));
      await expect(t.sut.deliverPush([row.id], null)).rejects.toThrow('bug in the connector');
      expect(t.repo.row(row.id)).toMatchObject({ status: 'pending', nextAttemptAt: t.repo.clock.t, attempts: 1 });
    });

    it('the claim leases its rows for the call\'s time limit plus 5 s (never below the configured lease) and the ERP gets that time limit', async () => {
      t = setup({ erpLeaseSec: 1 });
      t.lanes.useConnector(A, t.erp, { timeoutMs: 6000, timeoutMaxMs: 6000 });
      const row = t.add({ merchantId: A });
      t.erp.hold();
      const job = t.sut.deliverPush([row.id], A);
      await until(() => t.erp.sent.length === 1, 'the call');
      expect(t.repo.row(row.id).nextAttemptAt).toBe(t.repo.clock.t + 11_000);
      expect(t.erp.timeouts).toEqual([6000]);
      t.erp.release();
      await expect(job).resolves.toEqual({ kind: 'done' });
    });
  });

  describe('merchant lanes', () => {
    it("a job without a merchant (older job data) is split by its rows' merchants: each ERP gets only its own rows", async () => {
      t = setup();
      const erpA = new ScriptedErp();
      const erpB = new ScriptedErp();
      t.lanes.useConnector(A, erpA);
      t.lanes.useConnector(B, erpB);
      const [a, b, d] = [t.add({ merchantId: A }), t.add({ merchantId: B }), t.add({ merchantId: null })];

      await expect(t.sut.deliverPush([a.id, b.id, d.id])).resolves.toEqual({ kind: 'done' });
      expect(erpA.sent.flat().map((e) => e.idempotencyKey)).toEqual([a.idempotencyKey]);
      expect(erpB.sent.flat().map((e) => e.idempotencyKey)).toEqual([b.idempotencyKey]);
      expect(t.erp.sent.flat().map((e) => e.idempotencyKey)).toEqual([d.idempotencyKey]);
      expect(t.repo.calls).toContain('merchantsOf');
    });

    it("a claim never holds another merchant's row, even one named in the job", async () => {
      t = setup();
      const erpA = new ScriptedErp();
      t.lanes.useConnector(A, erpA);
      const [a, b] = [t.add({ merchantId: A }), t.add({ merchantId: B })];

      const out = await t.sut.deliverPush([a.id, b.id], A);
      expect(erpA.sent.flat().map((e) => e.idempotencyKey)).toEqual([a.idempotencyKey]);
      expect(t.repo.row(b.id)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(out.kind).toBe('delay');
    });

    it("a lane at its last call slot tops the call up from its own merchant's backlog, up to the batch size, never another merchant's", async () => {
      t = setup();
      const erpA = new ScriptedErp();
      erpA.maxBatch = 3;
      t.lanes.useConnector(A, erpA, { maxInFlight: 1 });
      const [a1, a2, a3, a4] = [t.add({ merchantId: A }), t.add({ merchantId: A }), t.add({ merchantId: A }), t.add({ merchantId: A })];
      const b = t.add({ merchantId: B });

      await expect(t.sut.deliverPush([a1.id], A)).resolves.toEqual({ kind: 'done' });
      expect(erpA.sent.map((c) => c.map((e) => e.idempotencyKey))).toEqual([[a1.idempotencyKey, a2.idempotencyKey, a3.idempotencyKey]]);
      expect(t.repo.row(a4.id).status).toBe('pending');
      expect(t.repo.row(b.id)).toMatchObject({ status: 'pending', attempts: 0 });
    });

    it('with call slots to spare and no backlog a call carries only its jobs\' rows', async () => {
      t = setup();
      const [r1, r2] = [t.add(), t.add()];
      await expect(t.sut.deliverPush([r1.id], null)).resolves.toEqual({ kind: 'done' });
      expect(t.erp.sent).toEqual([[expect.objectContaining({ idempotencyKey: r1.idempotencyKey })]]);
      expect(t.repo.calls).not.toContain('claimBacklog');
      expect(t.repo.row(r2.id).status).toBe('pending');
    });

    it('while another merchant has work, a merchant holding its share of push workers gets its next job delayed 250 ms without touching the rows; alone it is not', async () => {
      t = setup({ erpPushConcurrency: 2 });
      const erpA = new ScriptedErp();
      const erpB = new ScriptedErp();
      t.lanes.useConnector(A, erpA);
      t.lanes.useConnector(B, erpB);
      const [a1, a2, a3, b1] = [t.add({ merchantId: A }), t.add({ merchantId: A }), t.add({ merchantId: A }), t.add({ merchantId: B })];
      erpA.hold();
      erpB.hold();

      // alone: A's second job joins the lane (no delay)
      const jobA1 = t.sut.deliverPush([a1.id], A);
      await until(() => erpA.sent.length === 1, "A's first call");
      const jobA2 = t.sut.deliverPush([a2.id], A);
      const jobB1 = t.sut.deliverPush([b1.id], B);
      await until(() => erpB.sent.length === 1, "B's call");
      // B busy too: A (2 jobs under way, its share is 1) is turned away
      await expect(t.sut.deliverPush([a3.id], A)).resolves.toEqual({
        kind: 'delay',
        ms: 250,
        reason: 'this merchant’s ERP deliveries already hold their share of workers',
      });
      expect(t.repo.row(a3.id)).toMatchObject({ status: 'pending', attempts: 0 });

      erpA.release();
      erpB.release();
      await expect(Promise.all([jobA1, jobA2, jobB1])).resolves.toEqual([{ kind: 'done' }, { kind: 'done' }, { kind: 'done' }]);
    });

    it('a `pull` merchant\'s rows are settled as handed over without a call; an unusable connection holds them 30 s with the reason', async () => {
      t = setup();
      t.lanes.usePull(A);
      t.lanes.useUnusable(B, 'ERP connection invalid: bad URL');
      const [a, b] = [t.add({ merchantId: A }), t.add({ merchantId: B })];

      await expect(t.sut.deliverPush([a.id], A)).resolves.toEqual({ kind: 'done' });
      expect(t.repo.row(a.id).status).toBe('delivered');
      await expect(t.sut.deliverPush([b.id], B)).resolves.toEqual({ kind: 'delay', ms: 30_000, reason: 'ERP connection invalid: bad URL' });
      expect(t.repo.row(b.id)).toMatchObject({ status: 'pending', lastError: 'ERP connection invalid: bad URL', nextAttemptAt: t.repo.clock.t + 30_000 });
      expect(t.erp.sent).toHaveLength(0);
    });
  });

  describe('interceptions', () => {
    it('an accepted interception is delivered (the merchant read from the row when the job has none), with the reason from the order status', async () => {
      t = setup();
      const erpA = new ScriptedErp();
      t.lanes.useConnector(A, erpA);
      const row = t.add({ kind: 'intercept', merchantId: A, order: { status: 'cancelled' } });

      await expect(t.sut.deliverIntercept(row.id)).resolves.toEqual({ kind: 'done' });
      expect(t.repo.calls).toContain('merchantOf');
      expect(erpA.intercepts).toEqual([expect.objectContaining({ orderId: row.orderId, reason: interceptReason('cancelled') })]);
      expect(t.repo.row(row.id).status).toBe('delivered');
      expect(t.repo.orderAcks.size).toBe(0);
    });

    it('an interception refused retryably waits by the hint; refused for good it fails', async () => {
      t = setup();
      const retry = t.add({ kind: 'intercept', order: { status: 'cancelled' } });
      t.erp.down = true;
      t.erp.downRetryAfterMs = 500;
      await expect(t.sut.deliverIntercept(retry.id, null)).resolves.toMatchObject({ kind: 'delay', ms: 500 });
      expect(t.repo.row(retry.id)).toMatchObject({ status: 'pending', nextAttemptAt: t.repo.clock.t + 500 });

      t.erp.down = false;
      t.erp.interceptRefusal = new UpstreamError('erp', 'invalid_request', 'order already shipped');
      const refused = t.add({ kind: 'intercept', order: { status: 'cancelled' } });
      await expect(t.sut.deliverIntercept(refused.id, null)).resolves.toMatchObject({ kind: 'failed', reason: expect.stringContaining('order already shipped') });
      expect(t.repo.row(refused.id).status).toBe('failed');
    });

    it('a push row is not claimed by an interception job', async () => {
      t = setup();
      const push = t.add({ kind: 'push' });
      await expect(t.sut.deliverIntercept(push.id, null)).resolves.toMatchObject({ kind: 'delay' });
      expect(t.erp.intercepts).toHaveLength(0);
      expect(t.repo.row(push.id).attempts).toBe(0);
    });
  });

  it("ops reset: only the merchant's failed rows go back to pending with their attempts cleared", async () => {
    t = setup();
    const [a1, a2, b] = [t.add({ merchantId: A, status: 'failed', attempts: 3 }), t.add({ merchantId: A, kind: 'intercept', status: 'failed' }), t.add({ merchantId: B, status: 'failed' })];
    await expect(t.sut.resetFailed(A, null)).resolves.toEqual([
      { outboxId: a1.id, kind: 'push', merchantId: A },
      { outboxId: a2.id, kind: 'intercept', merchantId: A },
    ]);
    expect(t.repo.row(a1.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(t.repo.row(b.id).status).toBe('failed');
    await expect(t.sut.resetFailed(A, [b.id])).resolves.toEqual([]);
  });
});
