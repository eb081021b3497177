import { Redis } from 'ioredis';
import type { Platform } from '@app/contracts';
import { appMetrics, metricsRegistry } from '@app/observability';
import type { PlatformAdapterLookup } from '@app/intake';
import { RedisRateLimiter, UsageMeter } from '@app/resilience';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { DEFAULT_ORDER_SYNC_OPTIONS } from '../../src/order-sync.options';
import { QuotaUseService } from '../../src/ops/quota-use.service';
import { orderReadsKey } from '../../src/shared/order-reads';

const MERCHANT_A = '5b1e0000-0000-4000-8000-00000000c001';
const MERCHANT_B = '5b1e0000-0000-4000-8000-00000000c002';
const DY_A = '7a4e1f3c-0000-4000-8000-0000000000c1';
const XHS_A = '7a4e1f3c-0000-4000-8000-0000000000c2';
const XHS_B = '7a4e1f3c-0000-4000-8000-0000000000c3';

/** the adapters' order-path capabilities (libs/platforms): Douyin's list carries lines, Xiaohongshu's does not */
const lookup = {
  get: (p: Platform) => ({
    capabilities:
      p === 'douyin'
        ? { orderListIncludesDetail: true, orderListMaxPageSize: 100, orderApis: { list: 'order.searchList', detail: 'order.orderDetail' } }
        : { orderListIncludesDetail: false, orderListMaxPageSize: 100, orderApis: { list: 'order.getOrderList', detail: 'order.getOrderDetail' } },
  }),
} as unknown as PlatformAdapterLookup;

/** Issue 8 item 4: the calls per second the current order rate needs against the quota, per shop and API, merchant-scoped. */
describe('platform quota use', () => {
  let db: TestDatabase;
  let redis: Redis;
  const prefix = testPrefix('quota');
  const T = Date.now();
  let clock = T;
  let meter: UsageMeter;
  let limiter: RedisRateLimiter;
  let sut: QuotaUseService;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'quota-a'), ($2, 'quota-b')`, [MERCHANT_A, MERCHANT_B]);
    for (const [id, merchant, platform] of [[DY_A, MERCHANT_A, 'douyin'], [XHS_A, MERCHANT_A, 'xiaohongshu'], [XHS_B, MERCHANT_B, 'xiaohongshu']]) {
      await db.dataSource.query(
        `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials) VALUES ($1, $2, $3, $4, 'shop', 'k', '\\x00')`,
        [id, merchant, platform, `ps-${id}`],
      );
    }
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    meter = new UsageMeter(redis, prefix, () => clock);
    limiter = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 50, maxWaitMs: 0, burstFor: () => 2 }, meter);
    sut = new QuotaUseService(db.dataSource, lookup, DEFAULT_ORDER_SYNC_OPTIONS, limiter, meter);
    appMetrics();
    sut.onModuleInit();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    sut.onModuleDestroy();
    await redis.quit();
    await db.drop();
  });

  it('counts what the limiter granted and refused, per key, in the last minute', async () => {
    clock = T - 30_000;
    const key = `douyin:${DY_A}:order.orderDetail`;
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire(key).then(() => 'granted', () => 'refused')));
    await meter.flush();
    clock = T;
    const r = (await meter.rates([key])).get(key)!;
    expect((r.granted ?? 0) * 60).toBe(outcomes.filter((o) => o === 'granted').length);
    expect((r.refused ?? 0) * 60).toBe(outcomes.filter((o) => o === 'refused').length);
    expect((r.refused ?? 0) * 60).toBeGreaterThan(0);
  });

  it('tells each merchant, for its own shops only, the calls its order rate needs against the quota', async () => {
    clock = T - 20_000;
    // Xiaohongshu shop A: 100 order changes/s read, each needs a detail call; the limiter let 50/s through
    meter.add(orderReadsKey('xiaohongshu', XHS_A), 'orders', 6000);
    meter.add(`xiaohongshu:${XHS_A}:order.getOrderDetail`, 'granted', 3000);
    meter.add(`xiaohongshu:${XHS_A}:order.getOrderDetail`, 'refused', 1200);
    // Douyin shop A: 100 orders/s, read with 10 list calls/s
    meter.add(orderReadsKey('douyin', DY_A), 'orders', 6000);
    meter.add(`douyin:${DY_A}:order.searchList`, 'granted', 600);
    await meter.flush();
    clock = T;

    const a = await sut.forMerchant(MERCHANT_A);
    expect(a.map((s) => s.shopId).sort()).toEqual([DY_A, XHS_A].sort());
    const xhs = a.find((s) => s.shopId === XHS_A)!;
    expect(xhs).toMatchObject({ platform: 'xiaohongshu', ordersPerSec: 100, ceilingOrdersPerSec: 50, quotaBound: true });
    expect(xhs.apis.find((x) => x.role === 'detail')).toEqual({
      api: 'order.getOrderDetail',
      role: 'detail',
      quotaPerSec: 50,
      usedPerSec: 50,
      refusedPerSec: 20,
      neededPerSec: 100,
      ordersPerCall: 1,
    });
    const dy = a.find((s) => s.shopId === DY_A)!;
    expect(dy).toMatchObject({ platform: 'douyin', ordersPerSec: 100, ceilingOrdersPerSec: 5000, quotaBound: false });
    expect(dy.apis.find((x) => x.role === 'list')).toMatchObject({ api: 'order.searchList', neededPerSec: 10, ordersPerCall: 100 });

    // merchant B sees its own shop, with nothing of A's figures
    const b = await sut.forMerchant(MERCHANT_B);
    expect(b.map((s) => s.shopId)).toEqual([XHS_B]);
    expect(b[0]).toMatchObject({ ordersPerSec: 0, quotaBound: false });
    expect(b[0].apis.every((x) => x.usedPerSec === 0 && x.neededPerSec === 0)).toBe(true);
  });

  it('exports the worst shop per platform and API as omnisync_platform_quota_needed_ratio, without shop or merchant labels', async () => {
    const text = await metricsRegistry.metrics();
    expect(text).toContain('omnisync_platform_quota_needed_ratio{platform="xiaohongshu",api="order.getOrderDetail"} 2');
    expect(text).toContain('omnisync_platform_quota_needed_ratio{platform="douyin",api="order.searchList"} 0.2');
    const lines = text.split('\n').filter((l) => l.startsWith('omnisync_platform_quota_needed_ratio{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).not.toMatch(/shop|merchant/);
  });
});
