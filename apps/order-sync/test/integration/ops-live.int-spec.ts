/**
 * The ops page's live figures on a real database: GET /ops/throughput (orders per minute and pay -> ERP-ack
 * p50/p99 per platform, per minute) and GET /ops/breakers (per upstream), scoped to the caller's merchant, bad
 * query parameters named.
 */
import request from 'supertest';
import { UpstreamError } from '@app/contracts';
import { BreakerRegistry } from '@app/resilience';
import { createHarness, FakePortsModule, SHOP_ID, type Harness } from '../harness';
import type { Throughput } from '../../src/ops/throughput.service';
import type { MerchantBreakers } from '../../src/ops/breaker-states.service';

const MERCHANT_A = '5b1e0000-0000-4000-8000-00000000f0a1';
const MERCHANT_B = '5b1e0000-0000-4000-8000-00000000f0b1';
const SHOP_A_TB = '7a4e1f3c-0000-4000-8000-00000000f0a2';
const SHOP_B = '7a4e1f3c-0000-4000-8000-00000000f0b1';
const MERCHANT_C = '5b1e0000-0000-4000-8000-00000000f0c1';

describe('ops live figures (order-sync)', () => {
  let h: Harness;
  const breakers = new BreakerRegistry({ requestTimeoutMs: 1000, resetTimeoutMs: 60_000, consecutiveFailures: 1, volumeThreshold: 1 });
  const as = (merchant: string) => ({ 'x-omnisync-merchant-id': merchant });
  const get = (path: string, merchant: string) => request(h.app.getHttpServer()).get(path).set(as(merchant));
  const q = (sql: string, p: unknown[] = []) => h.db.dataSource.query(sql, p);
  let n = 0;
  /** an order paid `paidAgoMs` ago, acked `latencyMs` after pay (null: not acked) */
  const order = (shop: string, platform: string, paidAgoMs: number, latencyMs: number | null) =>
    q(
      `INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
                                      created_at_platform, sla_started_at, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items, erp_acked_at)
       VALUES ($1, $2, $3, 'paid', '2', now(), 2, now() - ($4 || ' milliseconds')::interval, now() - ($4 || ' milliseconds')::interval, 100, 100, 0, 0, '\\x00', '[]',
               CASE WHEN $5::int IS NULL THEN NULL ELSE now() - ($4 || ' milliseconds')::interval + ($5 || ' milliseconds')::interval END)`,
      [platform, shop, `live-${++n}`, String(paidAgoMs), latencyMs],
    );

  beforeAll(async () => {
    h = await createHarness({ extraImports: [FakePortsModule.register([{ provide: BreakerRegistry, useValue: breakers }])] });
    await q(`INSERT INTO core.merchants (id, name) VALUES ($1, 'a'), ($2, 'b'), ($3, 'c')`, [MERCHANT_A, MERCHANT_B, MERCHANT_C]);
    await q(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-live-a', 'a', 'dy-app', '\\x00'), ($3, $2, 'taobao', 'tb-live-a', 'a2', 'tb-app', '\\x00'),
              ($4, $5, 'douyin', 'dy-live-b', 'b', 'dy-app-b', '\\x00')`,
      [SHOP_ID, MERCHANT_A, SHOP_A_TB, SHOP_B, MERCHANT_B],
    );
    // A: douyin, 10 orders in the last minutes acked after 1..10 s; one not acked yet; one 30 minutes ago (outside 15, inside 60)
    for (let i = 1; i <= 10; i++) await order(SHOP_ID, 'douyin', 90_000 + i * 1000, i * 1000);
    await order(SHOP_ID, 'douyin', 5_000, null);
    await order(SHOP_ID, 'douyin', 30 * 60_000, 2000);
    // A: taobao, 2 orders; B: 7 douyin orders that A must never see
    await order(SHOP_A_TB, 'taobao', 30_000, 500);
    await order(SHOP_A_TB, 'taobao', 20_000, 1500);
    for (let i = 0; i < 7; i++) await order(SHOP_B, 'douyin', 60_000, 40_000);
  }, 60_000);
  afterAll(async () => {
    breakers.shutdown();
    await h?.close();
  });

  it('counts the merchant\'s paid orders per minute and pay -> ack percentiles per platform over the window', async () => {
    const body = (await get('/ops/throughput?minutes=15', MERCHANT_A).expect(200)).body as Throughput;
    expect(body.minutes).toBe(15);
    expect(body.platforms.map((p) => p.platform)).toEqual(['douyin', 'taobao']);
    const dy = body.platforms[0];
    expect(dy.buckets).toHaveLength(15);
    expect(dy.buckets.reduce((s, b) => s + b.orders, 0)).toBe(11);
    expect(dy.total).toEqual({ orders: 11, acked: 10, p50Ms: 5500, p99Ms: 9910 });
    // the minutes are consecutive and end with the current one
    const ts = dy.buckets.map((b) => Date.parse(b.t));
    expect(ts.slice(1).map((t, i) => t - ts[i])).toEqual(Array(14).fill(60_000));
    expect(Date.now() - ts[14]).toBeLessThan(60_000);
    expect(dy.buckets.filter((b) => b.acked > 0).every((b) => b.p50Ms !== null && b.p99Ms !== null)).toBe(true);
    expect(body.platforms[1].total).toMatchObject({ orders: 2, acked: 2, p50Ms: 1000 });
  });

  it('shows another merchant only its own orders, and a merchant without any an empty list', async () => {
    const b = (await get('/ops/throughput', MERCHANT_B).expect(200)).body as Throughput;
    expect(b.platforms.map((p) => [p.platform, p.total.orders, p.total.p50Ms])).toEqual([['douyin', 7, 40_000]]);
    expect(((await get('/ops/throughput', MERCHANT_C).expect(200)).body as Throughput).platforms).toEqual([]);
  });

  it('widens the window to cover older orders, up to 60 minutes', async () => {
    const wide = (await get('/ops/throughput?minutes=60', MERCHANT_A).expect(200)).body as Throughput;
    const dy = wide.platforms.find((p) => p.platform === 'douyin')!;
    expect(dy.buckets).toHaveLength(60);
    expect(dy.total.orders).toBe(12);
    expect(dy.buckets.reduce((s, b) => s + b.orders, 0)).toBe(12);
  });

  it('buckets by ?bucketSeconds= (10 s buckets: 90 over 15 minutes), the same orders in them', async () => {
    const fine = (await get('/ops/throughput?minutes=15&bucketSeconds=10', MERCHANT_A).expect(200)).body as Throughput;
    expect(fine.bucketSeconds).toBe(10);
    const dy = fine.platforms.find((p) => p.platform === 'douyin')!;
    expect(dy.buckets).toHaveLength(90);
    expect(Date.parse(dy.buckets[1].t) - Date.parse(dy.buckets[0].t)).toBe(10_000);
    expect(dy.buckets.reduce((s, b) => s + b.orders, 0)).toBe(11);
    expect(dy.buckets.reduce((s, b) => s + b.acked, 0)).toBe(10);
    expect(dy.total).toEqual({ orders: 11, acked: 10, p50Ms: 5500, p99Ms: 9910 });
  });

  it.each(['minutes=0', 'minutes=61', 'minutes=abc', 'minutes=1.5', 'bucketSeconds=7', 'bucketSeconds=x', 'extra=1'])('refuses ?%s with a 400 naming the field', async (query) => {
    const res = await get(`/ops/throughput?${query}`, MERCHANT_A).expect(400);
    expect(JSON.stringify(res.body.message)).toContain(query.split('=')[0]);
  });

  it('bounds the late orders listed by GET /ops/sla with ?lateLimit= (the counts stay whole)', async () => {
    await q(
      `INSERT INTO order_sync.sla_events (order_id, level, platform, cause, age_ms, at, merchant_id, shop_id, platform_order_id, sla_started_at, source)
       SELECT o.id, 'breach', o.platform, 'erp_slow', 40000, now(), $1, o.shop_id, o.platform_order_id, o.sla_started_at, 'ack'
         FROM order_sync.orders o WHERE o.shop_id = $2`,
      [MERCHANT_B, SHOP_B],
    );
    const full = (await get('/ops/sla', MERCHANT_B).expect(200)).body;
    const bounded = (await get('/ops/sla?lateLimit=3', MERCHANT_B).expect(200)).body;
    expect(full.late).toHaveLength(7);
    expect(bounded.late).toHaveLength(3);
    expect(bounded.platforms[0].breaches).toBe(7);
    expect((await get('/ops/sla?lateLimit=3', MERCHANT_A).expect(200)).body.late).toEqual([]);
    const bad = await get('/ops/sla?lateLimit=5000', MERCHANT_B).expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('lateLimit');
  });

  it("reports per upstream the breakers of the merchant's own shops, never another merchant's", async () => {
    const fail = () => Promise.reject(new UpstreamError('douyin', 'retryable', 'down'));
    // B's douyin shop opens its breaker; A's taobao shop has a closed one
    await breakers.exec(`douyin:${SHOP_B}`, fail).catch(() => undefined);
    await breakers.exec(`taobao:${SHOP_A_TB}`, () => Promise.resolve(1));
    expect(breakers.state(`douyin:${SHOP_B}`)).toBe('open');

    const a = (await get('/ops/breakers', MERCHANT_A).expect(200)).body as MerchantBreakers;
    expect(a.scope).toBe('instance');
    expect(a.upstreams.map((u) => [u.upstream, u.state, u.breakers, u.open])).toEqual([
      ['erp', 'closed', 0, 0],
      ['douyin', 'closed', 0, 0],
      ['taobao', 'closed', 1, 0],
    ]);
    const b = (await get('/ops/breakers', MERCHANT_B).expect(200)).body as MerchantBreakers;
    const dy = b.upstreams.find((u) => u.upstream === 'douyin')!;
    expect(dy).toMatchObject({ state: 'open', breakers: 1, open: 1 });
    expect(dy.retryAfterMs).toBeGreaterThan(0);
    expect(JSON.stringify(b)).not.toContain(SHOP_B);
    expect(b.upstreams.map((u) => u.upstream)).toEqual(['erp', 'douyin']);
  });
});
