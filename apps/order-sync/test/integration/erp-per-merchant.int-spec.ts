import { randomBytes, randomUUID } from 'node:crypto';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { sampleOrder } from '@app/erp/testing/erp-fixtures';
import { appMetrics, metricsRegistry } from '@app/observability';
import { ErpConnection, ErpConnectionDirectory, Merchant, SecretBox, sealErpSecrets } from '@app/persistence';
import { startErpSimulator, type ErpSimulator } from '@app/sandbox';
import { createTestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { ErpDeliveryService } from '../../src/delivery/erp-delivery.service';
import { ErpLanes } from '../../src/delivery/erp-lanes';
import { ShipmentWritebackService } from '../../src/shipments/shipment-writeback.service';
import { DEFAULT_SHIPMENTS_OPTIONS } from '../../src/shipments/shipments.options';
import { ShipmentsRepository } from '../../src/shipments/shipments.repository';
import { FakeErpConnector } from '../fakes';
import { createHarness, type Harness } from '../harness';
import { testOutboundPolicy } from '@app/testing/outbound-policy';

@Global()
@Module({})
class LanesModule {
  static with(lanes: ErpLanes): DynamicModule {
    return { module: LanesModule, global: true, providers: [{ provide: ErpLanes, useValue: lanes }], exports: [ErpLanes] };
  }
}

const SECRET_A = 'secret-of-merchant-a';
const SECRET_B = 'secret-of-merchant-b';

describe('ERP delivery per merchant (lanes over core.erp_connections)', () => {
  let h: Harness;
  let simA: ErpSimulator;
  let simB: ErpSimulator;
  let lanes: ErpLanes;
  let directory: ErpConnectionDirectory;
  let box: SecretBox;
  const defaultErp = new FakeErpConnector();
  const m = { a: randomUUID(), b: randomUUID(), pull: randomUUID(), none: randomUUID(), broken: randomUUID() };
  const shop: Record<keyof typeof m, string> = { a: randomUUID(), b: randomUUID(), pull: randomUUID(), none: randomUUID(), broken: randomUUID() };
  let seq = 0;

  beforeAll(async () => {
    simA = await startErpSimulator({ secret: SECRET_A });
    simB = await startErpSimulator({ secret: SECRET_B });
    const db = await createTestDatabase({ migrations: ALL_MIGRATIONS, entities: [ErpConnection, Merchant] });
    box = new SecretBox(randomBytes(32));
    directory = new ErpConnectionDirectory(db.dataSource.getRepository(ErpConnection), box, 0);
    // the ERP simulators listen on loopback: the tests' operator allowance
    lanes = new ErpLanes(defaultErp, directory, undefined, testOutboundPolicy());
    lanes.onModuleInit();
    appMetrics();
    h = await createHarness({ db, extraImports: [LanesModule.with(lanes)] });
    for (const k of Object.keys(m) as (keyof typeof m)[]) {
      await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, $2)`, [m[k], `merchant ${k}`]);
      await db.dataSource.query(
        `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
         VALUES ($1, $2, 'douyin', $3, 'shop', 'ak', '\\x00')`,
        [shop[k], m[k], `ps-${k}`],
      );
    }
    await setConnection(m.a, simA.url, SECRET_A);
    await setConnection(m.b, simB.url, SECRET_B);
    await db.dataSource.query(`INSERT INTO core.erp_connections (merchant_id, connector) VALUES ($1, 'pull')`, [m.pull]);
    // a row that bypassed the API's validation (or a URL the policy now refuses): its rows wait, nothing is sent
    await db.dataSource.query(
      `INSERT INTO core.erp_connections (merchant_id, connector, base_url, credentials) VALUES ($1, 'generic-http', 'ftp://erp.example.com', $2)`,
      [m.broken, sealErpSecrets(box, m.broken, { secret: 'whatever-secret' })],
    );
  });

  afterAll(async () => {
    lanes?.onModuleDestroy();
    await h?.close();
    await simA?.close();
    await simB?.close();
  });

  beforeEach(() => {
    simA.reset();
    simB.reset();
  });

  async function setConnection(merchantId: string, baseUrl: string, secret: string): Promise<void> {
    await h.db.dataSource.query(
      `INSERT INTO core.erp_connections (merchant_id, connector, base_url, credentials, batch_size, timeout_ms)
       VALUES ($1, 'generic-http', $2, $3, 10, 2000)
       ON CONFLICT (merchant_id) DO UPDATE SET base_url = excluded.base_url, credentials = excluded.credentials, updated_at = clock_timestamp()`,
      [merchantId, baseUrl, sealErpSecrets(box, merchantId, { secret })],
    );
    directory.invalidate(merchantId);
  }

  /** outbox rows as the ingest writes them (merchant from the order's shop) */
  async function rows(k: keyof typeof m, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const pid = `${k}-${++seq}-${Date.now()}`;
      const [r]: { id: string }[] = await h.db.dataSource.query(
        `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload, merchant_id)
         VALUES (gen_random_uuid(), 1, 'push', $1, $2, $3) RETURNING id::text AS id`,
        [`key-${pid}-v1`, JSON.stringify(sampleOrder({ shopId: shop[k], platformOrderId: pid })), m[k]],
      );
      ids.push(r.id);
    }
    return ids;
  }
  const statusOf = async (ids: string[]) =>
    (await h.db.dataSource.query(`SELECT status, attempts, last_error FROM order_sync.outbox WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids])) as {
      status: string;
      attempts: number;
      last_error: string | null;
    }[];
  const delivery = () => h.app.get(ErpDeliveryService);

  it("each merchant's rows reach its own ERP only, signed with its own secret", async () => {
    const a = await rows('a', 3);
    const b = await rows('b', 2);
    await expect(delivery().deliverPush(a, m.a)).resolves.toEqual({ kind: 'done' });
    await expect(delivery().deliverPush(b, m.b)).resolves.toEqual({ kind: 'done' });
    expect(simA.orders().map((o) => o.shopId)).toEqual([shop.a, shop.a, shop.a]);
    expect(simB.orders().map((o) => o.shopId)).toEqual([shop.b, shop.b]);
    expect(simA.stats().rejected.signature + simB.stats().rejected.signature).toBe(0);
  });

  it("a claim never holds another merchant's row, even if a job names it", async () => {
    const [a] = await rows('a', 1);
    const [b] = await rows('b', 1);
    const outcome = await delivery().deliverPush([a, b], m.a);
    expect(outcome.kind).toBe('delay');
    expect(simA.orders()).toHaveLength(1);
    expect(simB.orders()).toHaveLength(0);
    expect(await statusOf([a, b])).toEqual([
      { status: 'delivered', attempts: 1, last_error: null },
      { status: 'pending', attempts: 0, last_error: null },
    ]);
  });

  it('a job without a merchant id (enqueued before it existed) splits its rows by merchant', async () => {
    const ids = [...(await rows('a', 1)), ...(await rows('b', 1))];
    await expect(delivery().deliverPush(ids)).resolves.toEqual({ kind: 'done' });
    expect(simA.orders()).toHaveLength(1);
    expect(simB.orders()).toHaveLength(1);
  });

  it('pull: rows are handed over without any ERP call; no row: the default ERP', async () => {
    const calls = defaultErp.pushCalls.length;
    const pull = await rows('pull', 2);
    await expect(delivery().deliverPush(pull, m.pull)).resolves.toEqual({ kind: 'done' });
    expect((await statusOf(pull)).map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(defaultErp.pushCalls.length).toBe(calls);
    const none = await rows('none', 1);
    await expect(delivery().deliverPush(none, m.none)).resolves.toEqual({ kind: 'done' });
    expect(defaultErp.pushCalls.slice(calls).flat().map((e) => e.order.shopId)).toEqual([shop.none]);
    expect(simA.stats().requests + simB.stats().requests).toBe(0);
  });

  it('an unusable stored connection holds its rows with the reason; nothing is sent', async () => {
    const ids = await rows('broken', 1);
    const outcome = await delivery().deliverPush(ids, m.broken);
    expect(outcome).toMatchObject({ kind: 'delay', reason: expect.stringMatching(/ERP connection invalid: baseUrl/) });
    expect((await statusOf(ids))[0]).toMatchObject({ status: 'pending', last_error: expect.stringMatching(/baseUrl/) });
  });

  it("A's ERP down opens A's breaker only: B keeps delivering at once, and only A's rows carry the error", async () => {
    simA.setFaults({ down: true });
    try {
      const a = await rows('a', 12);
      // one row a call: enough failed calls to open A's breaker (3 in a row)
      for (const id of a) expect((await delivery().deliverPush([id], m.a)).kind).toBe('delay');
      expect(lanes.openBreakers()).toBe(1);
      // exported as a count under upstream "erp": no merchant id in any label
      const metric = await metricsRegistry.getSingleMetricAsString('omnisync_circuit_breakers_open');
      expect(metric).toContain('omnisync_circuit_breakers_open{upstream="erp"} 1');
      expect(metric).not.toContain(m.a);
      const before = simA.stats().requests;
      expect((await delivery().deliverPush(await rows('a', 1), m.a)).kind).toBe('delay');
      expect(simA.stats().requests).toBe(before); // rejected by A's open breaker, no HTTP call

      const b = await rows('b', 5);
      const t0 = Date.now();
      await expect(delivery().deliverPush(b, m.b)).resolves.toEqual({ kind: 'done' });
      expect(Date.now() - t0).toBeLessThan(1000);
      expect((await statusOf(b)).every((r) => r.status === 'delivered' && r.last_error === null)).toBe(true);
      expect((await statusOf(a)).every((r) => r.status === 'pending' && r.last_error !== null)).toBe(true);
    } finally {
      simA.setFaults({ down: false });
    }
  });

  it("interceptions go to the merchant's own ERP too", async () => {
    const [r]: { id: string }[] = await h.db.dataSource.query(
      `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload, merchant_id)
       VALUES (gen_random_uuid(), 2, 'intercept', $1, $2, $3) RETURNING id::text AS id`,
      [`icpt-${Date.now()}-v2`, JSON.stringify(sampleOrder({ shopId: shop.b, platformOrderId: `icpt-${Date.now()}`, status: 'cancelled' })), m.b],
    );
    await expect(delivery().deliverIntercept(r.id, m.b)).resolves.toEqual({ kind: 'done' });
    expect(simB.stats().intercepts).toBe(1);
    expect(simA.stats().intercepts).toBe(0);
  });

  it("shipment outcomes are told to the merchant's own ERP", async () => {
    const [o]: { id: string }[] = await h.db.dataSource.query(
      `INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
         created_at_platform, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items, refund_status)
       VALUES ('douyin', $1, $2, 'refunded', '4', now(), 6, now(), 1, 1, 0, 0, '\\x00'::bytea, '[]', 'refunded') RETURNING id`,
      [shop.b, `ship-${Date.now()}`],
    );
    const [sh]: { id: string }[] = await h.db.dataSource.query(
      `INSERT INTO order_sync.shipments (order_id, merchant_id, platform, platform_order_id, tracking_no, carrier_code, idempotency_key)
       VALUES ($1, $2, 'douyin', 'x', 'SF1', 'shunfeng', $3) RETURNING id`,
      [o.id, m.b, `auto-${o.id}`],
    );
    // a refunded order's shipment is blocked without a platform call; only the ERP is told
    const sut = new ShipmentWritebackService(new ShipmentsRepository(h.db.dataSource), { get: () => h.adapters.douyin }, h.shops, defaultErp, DEFAULT_SHIPMENTS_OPTIONS, lanes);
    await expect(sut.ship(sh.id)).resolves.toEqual({ kind: 'done' });
    expect(simB.shipmentNotices()).toHaveLength(1);
    expect(simA.shipmentNotices()).toHaveLength(0);
    expect(defaultErp.shipmentNotices).toHaveLength(0);
  });

  it('a changed connection is picked up: a new lane (and a fresh breaker) on the new URL', async () => {
    await setConnection(m.a, simB.url, SECRET_B);
    try {
      expect(lanes.openBreakers()).toBe(1); // the old lane, until A is next resolved
      const a = await rows('a', 1);
      await expect(delivery().deliverPush(a, m.a)).resolves.toEqual({ kind: 'done' });
      expect(simB.orders().map((o) => o.shopId)).toEqual([shop.a]);
      expect(lanes.openBreakers()).toBe(0);
    } finally {
      await setConnection(m.a, simA.url, SECRET_A);
    }
  });

  // after the connection change above: A's lane is fresh (its breaker from the outage test is gone)
  it('while another merchant has work, a slow ERP holds at most half the worker slots; the rest wait without an attempt', async () => {
    simA.setFaults({ latencyMs: 600 });
    simB.setFaults({ latencyMs: 600 });
    try {
      const b = delivery().deliverPush(await rows('b', 1), m.b);
      await new Promise((r) => setTimeout(r, 50));
      // erpPushConcurrency 4 in the harness: A may hold 2 while B is busy
      const a = await Promise.all([1, 2, 3, 4].map(async () => delivery().deliverPush(await rows('a', 1), m.a)));
      const turnedAway = a.filter((o) => o.kind === 'delay' && /share of workers/.test(o.reason));
      expect(turnedAway).toHaveLength(2);
      expect(a.filter((o) => o.kind === 'done')).toHaveLength(2);
      await expect(b).resolves.toEqual({ kind: 'done' });
      // alone, a merchant may use every slot
      const alone = await Promise.all([1, 2, 3, 4].map(async () => delivery().deliverPush(await rows('a', 1), m.a)));
      expect(alone.every((o) => o.kind === 'done')).toBe(true);
    } finally {
      simA.setFaults({ latencyMs: 0 });
      simB.setFaults({ latencyMs: 0 });
    }
  });

  // last: it rebuilds A's lane (the tests above rely on A's lane and its open breaker)
  it("a lane's calls in flight are capped by the merchant's max_in_flight, else by the deployment's maximum", async () => {
    await h.db.dataSource.query(`UPDATE core.erp_connections SET max_in_flight = 3, updated_at = clock_timestamp() WHERE merchant_id = $1`, [m.a]);
    directory.invalidate(m.a);
    directory.invalidate(m.b);
    expect((await lanes.forMerchant(m.a)).calls.maxInFlight).toBe(3);
    expect((await lanes.forMerchant(m.b)).calls.maxInFlight).toBe(32);
    await h.db.dataSource.query(`UPDATE core.erp_connections SET max_in_flight = NULL, updated_at = clock_timestamp() WHERE merchant_id = $1`, [m.a]);
    directory.invalidate(m.a);
    expect((await lanes.forMerchant(m.a)).calls.maxInFlight).toBe(32);
  });
});
