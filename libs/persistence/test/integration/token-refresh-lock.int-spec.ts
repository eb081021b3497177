import { randomBytes, randomUUID } from 'node:crypto';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { PlatformOperatorConfig, XiaohongshuAdapter, type NeedsReauthEvent, type ShopContext } from '@app/platforms';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { XHS_DEMO_SHOP, startSimulator, type AnySimulator } from '@app/sandbox';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { CORE_MIGRATIONS } from '../../src/migrations';
import { CORE_ENTITIES, PlatformApp, PlatformAppRegistry, SecretBox, Shop, ShopDirectoryService, buildDataSourceOptions, openShopSecrets, sealShopSecrets } from '../../src';

/** One "process": its own connection pool, directory cache, breakers and adapter. */
interface Proc {
  ds: DataSource;
  directory: ShopDirectoryService;
  adapter: XiaohongshuAdapter;
  reauth: NeedsReauthEvent[];
}

describe('token refresh across processes', () => {
  let db: TestDatabase;
  let sim: AnySimulator;
  let redis: Redis;
  let operator: PlatformOperatorConfig;
  const box = new SecretBox(randomBytes(32));
  const procs: Proc[] = [];
  let merchantId: string;
  let shopId: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: CORE_MIGRATIONS });
    sim = await startSimulator('xiaohongshu', { products: 0, qps: null });
    redis = new Redis('redis://127.0.0.1:6379');
    operator = PlatformOperatorConfig.fromEnv((n) => ({ PLATFORM_BASE_URL_XIAOHONGSHU: sim.url })[n]);
    merchantId = randomUUID();
    await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'Refresh Co')`, [merchantId]);
  });

  afterAll(async () => {
    for (const p of procs) await p.ds.destroy();
    redis?.disconnect();
    await sim?.close();
    await db?.drop();
  });

  async function proc(): Promise<Proc> {
    const ds = new DataSource(buildDataSourceOptions({ url: db.url, entities: CORE_ENTITIES, poolSize: 3 }));
    await ds.initialize();
    const apps = new PlatformAppRegistry(ds.getRepository(PlatformApp), ds.getRepository(Shop), box, operator);
    const directory = new ShopDirectoryService(ds.getRepository(Shop), box, apps, operator, 60_000);
    const reauth: NeedsReauthEvent[] = [];
    directory.onNeedsReauth((e) => reauth.push(e));
    const adapter = new XiaohongshuAdapter({
      directory,
      breakers: new BreakerRegistry({ requestTimeoutMs: 5000 }),
      limiter: new RedisRateLimiter(redis, { keyPrefix: `${testPrefix('refresh')}-qps`, defaultQps: 1000 }),
      // the simulator listens on loopback: the tests' operator allowance
      options: { timeoutMs: 5000, outbound: testOutboundPolicy() },
    });
    const p = { ds, directory, adapter, reauth };
    procs.push(p);
    return p;
  }

  const list = (p: Proc, ctx: ShopContext) => p.adapter.listOrders(ctx, { from: new Date(Date.now() - 60_000), to: new Date(), page: null });
  const refreshCalls = () => sim.requests('oauth.refreshToken').length;
  const status = async () => (await db.dataSource.query(`SELECT status FROM core.shops WHERE id = $1`, [shopId]))[0].status as string;

  it('refreshes once for two processes whose token expired; a third with the discarded tokens reuses the new ones', async () => {
    const setup = await proc();
    await new PlatformAppRegistry(setup.ds.getRepository(PlatformApp), setup.ds.getRepository(Shop), box, operator).claim(
      merchantId,
      'xiaohongshu',
      XHS_DEMO_SHOP.appKey,
      XHS_DEMO_SHOP.appSecret,
    );
    shopId = randomUUID();
    const current = { ...sim.store.shop(XHS_DEMO_SHOP.platformShopId) };
    await setup.ds.getRepository(Shop).insert({
      id: shopId,
      merchantId,
      platform: 'xiaohongshu',
      platformShopId: XHS_DEMO_SHOP.platformShopId,
      name: 'red',
      appKey: XHS_DEMO_SHOP.appKey,
      credentials: sealShopSecrets(box, shopId, { appSecret: null, accessToken: current.accessToken, refreshToken: current.refreshToken }),
      tokenExpiresAt: new Date(Date.now() + 86_400_000),
      status: 'active',
      statusReason: null,
    });
    const [a, b, c] = [setup, await proc(), await proc()];
    // every process holds the shop's current context (cached), then the platform expires the access token
    const [ctxA, ctxB, ctxC] = await Promise.all([a, b, c].map((p) => p.directory.get(shopId)));
    await list(a, ctxA!);
    sim.expireTokens(XHS_DEMO_SHOP.platformShopId);
    sim.clearRequests();

    // A and B both get auth_expired on the old token: one refresh at the simulator, both calls succeed on the new token
    await Promise.all([list(a, ctxA!), list(b, ctxB!)]);
    expect(refreshCalls()).toBe(1);
    const stored = openShopSecrets(box, await a.ds.getRepository(Shop).findOneByOrFail({ id: shopId }));
    expect(stored.accessToken).toBe(sim.store.shop(XHS_DEMO_SHOP.platformShopId).accessToken);
    expect(stored.accessToken).not.toBe(current.accessToken);

    // C still holds the old pair, whose refresh token the simulator discarded when it rotated: C waits for nothing,
    // sends no refresh, uses the stored token, and the shop stays active
    await list(c, ctxC!);
    expect(refreshCalls()).toBe(1);
    expect(await status()).toBe('active');
    expect([...a.reauth, ...b.reauth, ...c.reauth]).toEqual([]);
  });

  it('marks needs_reauth (once, with an alert event) only when the stored refresh token itself is refused', async () => {
    const [a, b] = [procs[0], procs[1]];
    const [ctxA, ctxB] = [await a.directory.get(shopId), await b.directory.get(shopId)];
    sim.revokeAuthorisation(XHS_DEMO_SHOP.platformShopId);
    const results = await Promise.allSettled([list(a, ctxA!), list(b, ctxB!)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await status()).toBe('needs_reauth');
    const events = [...a.reauth, ...b.reauth];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ shopId });
  });
});
