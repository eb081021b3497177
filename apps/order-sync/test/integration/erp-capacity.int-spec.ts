import { randomUUID } from 'node:crypto';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { UpstreamError } from '@app/contracts';
import type { ErpCallLimits, ErpCallOptions, ErpOrderEnvelope, ErpPushResult } from '@app/erp';
import { sampleOrder } from '@app/erp/testing/erp-fixtures';
import { ErpDeliveryService } from '../../src/delivery/erp-delivery.service';
import { ErpLanes } from '../../src/delivery/erp-lanes';
import { FakeErpConnector } from '../fakes';
import { createHarness, waitFor, type Harness } from '../harness';

/** an ERP whose calls wait until released (a slow ERP, by hand), recording what each call carried */
class HeldErp extends FakeErpConnector {
  override readonly limits: ErpCallLimits = { timeoutMs: 15_000, timeoutMaxMs: 25_000, maxSockets: 64 };
  readonly calls: { keys: string[]; timeoutMs: number | undefined }[] = [];
  failWith: unknown = null;
  private releases: (() => void)[] = [];
  hold = false;

  override async pushOrders(orders: ErpOrderEnvelope[], call?: ErpCallOptions): Promise<ErpPushResult[]> {
    this.calls.push({ keys: orders.map((o) => o.idempotencyKey), timeoutMs: call?.timeoutMs });
    if (this.hold) await new Promise<void>((r) => this.releases.push(r));
    if (this.failWith) throw this.failWith;
    return super.pushOrders(orders);
  }

  release(): void {
    this.hold = false;
    this.releases.splice(0).forEach((r) => r());
  }
}

@Global()
@Module({})
class LanesModule {
  static with(lanes: ErpLanes): DynamicModule {
    return { module: LanesModule, global: true, providers: [{ provide: ErpLanes, useValue: lanes }], exports: [ErpLanes] };
  }
}

describe('ERP delivery capacity: adaptive calls in flight, backlog top-up, leases that cover the call', () => {
  let h: Harness;
  let erp: HeldErp;
  let lanes: ErpLanes;
  let seq = 0;

  beforeEach(async () => {
    erp = new HeldErp();
    lanes = new ErpLanes(erp);
    h = await createHarness({ extraImports: [LanesModule.with(lanes)] });
  });

  afterEach(async () => {
    erp.release();
    await h?.close();
  });

  /** pending push rows of one merchant (no connection of its own: the default ERP, its own lane state) */
  async function rows(merchantId: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const pid = `cap-${++seq}`;
      const [r]: { id: string }[] = await h.db.dataSource.query(
        `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload, merchant_id)
         VALUES (gen_random_uuid(), 1, 'push', $1, $2, $3) RETURNING id::text AS id`,
        [`key-${pid}-v1`, JSON.stringify(sampleOrder({ platformOrderId: pid })), merchantId],
      );
      ids.push(r.id);
    }
    return ids;
  }
  const keysOf = async (ids: string[]) =>
    ((await h.db.dataSource.query(`SELECT idempotency_key FROM order_sync.outbox WHERE id = ANY($1::bigint[])`, [ids])) as { idempotency_key: string }[]).map(
      (r) => r.idempotency_key,
    );
  const statusOf = async (ids: string[]) =>
    (await h.db.dataSource.query(`SELECT status, count(*)::int AS n FROM order_sync.outbox WHERE id = ANY($1::bigint[]) GROUP BY status`, [ids])) as {
      status: string;
      n: number;
    }[];
  const delivery = () => h.app.get(ErpDeliveryService);

  it("tops the call that takes the lane's last slot up to the batch size with the merchant's backlog, never another merchant's rows", async () => {
    const x = randomUUID();
    const y = randomUUID();
    const backlog = await rows(x, 120);
    const other = await rows(y, 30);
    erp.hold = true;
    // one job at a time, each row its own call: the lane starts at 4 calls in flight
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      jobs.push(delivery().deliverPush([backlog[i]], x));
      await waitFor(async () => erp.calls.length === i + 1, 5000, `call ${i + 1}`);
    }
    expect(erp.calls.map((c) => c.keys.length)).toEqual([1, 1, 1, 50]);
    const xKeys = new Set(await keysOf(backlog));
    expect(erp.calls[3].keys.every((k) => xKeys.has(k))).toBe(true);
    // the oldest due rows first
    expect(erp.calls[3].keys.slice(0, 2)).toEqual(await keysOf([backlog[3], backlog[4]]));
    erp.release();
    await expect(Promise.all(jobs)).resolves.toEqual([{ kind: 'done' }, { kind: 'done' }, { kind: 'done' }, { kind: 'done' }]);
    expect(await statusOf(other)).toEqual([{ status: 'pending', n: 30 }]);
    expect(await statusOf(backlog)).toEqual(
      expect.arrayContaining([
        { status: 'delivered', n: 53 },
        { status: 'pending', n: 67 },
      ]),
    );
    // a job whose rows another call delivered settles on them as done
    await expect(delivery().deliverPush([backlog[10]], x)).resolves.toEqual({ kind: 'done' });
  });

  it('does not top up while the lane has free slots (no backlog: no extra query, small calls stay small)', async () => {
    const x = randomUUID();
    const ids = await rows(x, 10);
    await expect(delivery().deliverPush([ids[0]], x)).resolves.toEqual({ kind: 'done' });
    await expect(delivery().deliverPush([ids[1], ids[2]], x)).resolves.toEqual({ kind: 'done' });
    expect(erp.calls.map((c) => c.keys.length)).toEqual([1, 2]);
  });

  it('gives a slow ERP more calls in flight: with every slot held, a waiting job goes out after a probe interval', async () => {
    const x = randomUUID();
    const ids = await rows(x, 5);
    erp.hold = true;
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      jobs.push(delivery().deliverPush([ids[i]], x));
      await waitFor(async () => erp.calls.length === i + 1, 5000, `call ${i + 1}`);
    }
    // the 4th call took the whole backlog: add a row for a 5th job
    const [late] = await rows(x, 1);
    jobs.push(delivery().deliverPush([late], x));
    expect(delivery().capacityOf(x)?.limiter.limit).toBe(4);
    await waitFor(async () => erp.calls.length === 5, 5000, 'a fifth call while four are held');
    expect(delivery().capacityOf(x)?.limiter.limit).toBe(5);
    erp.release();
    await Promise.all(jobs);
  });

  it("leases the rows for longer than the call's time limit, which follows the ERP's latency", async () => {
    const x = randomUUID();
    const [first, second] = await rows(x, 2);
    await delivery().deliverPush([first], x);
    // the ERP answered in 12 s (recorded by hand): the next call gets 24 s, and its rows 29 s
    delivery().capacityOf(x)!.timeout.observe(12_000);
    erp.hold = true;
    const job = delivery().deliverPush([second], x);
    await waitFor(async () => erp.calls.length === 2, 5000, 'the second call');
    expect(erp.calls.map((c) => c.timeoutMs)).toEqual([15_000, 24_000]);
    const [{ lease_s }]: { lease_s: number }[] = await h.db.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM next_attempt_at - now())::float8 AS lease_s FROM order_sync.outbox WHERE id = $1`,
      [second],
    );
    expect(lease_s).toBeGreaterThan(27);
    expect(lease_s).toBeLessThanOrEqual(29.5);
    erp.release();
    await expect(job).resolves.toEqual({ kind: 'done' });
  });

  it.each([
    [new UpstreamError('erp', 'retryable', 'timeout: total time limit of 15000 ms exceeded', { code: 'ETIMEDOUT' }), /^timeout: total time limit of 15000 ms exceeded$/, 2],
    [new UpstreamError('erp', 'retryable', 'HTTP 503: down', { status: 503 }), /^unavailable: HTTP 503: down$/, 2],
    [
      new UpstreamError('erp', 'circuit_open', 'circuit open for erp:generic-http', { code: 'open_after_timeouts', retryAfterMs: 3000 }),
      /^circuit_open: after timeouts: circuit open for erp:generic-http$/,
      4,
    ],
  ])('stores a failed call as %s and adjusts the limit', async (error, text, limitAfter) => {
    const x = randomUUID();
    const [id] = await rows(x, 1);
    erp.failWith = error;
    const outcome = await delivery().deliverPush([id], x);
    expect(outcome).toMatchObject({ kind: 'delay', reason: expect.stringMatching(text) });
    const [{ last_error }]: { last_error: string }[] = await h.db.dataSource.query(`SELECT last_error FROM order_sync.outbox WHERE id = $1`, [id]);
    expect(last_error).toMatch(text);
    // timeouts and 5xx halve the limit (4 -> 2); an open breaker says nothing about capacity
    expect(delivery().capacityOf(x)?.limiter.limit).toBe(limitAfter);
  });
});
