import { randomUUID } from 'node:crypto';
import { Global, Module, ValidationPipe, type DynamicModule, type INestApplication, type Provider } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { OutboundPolicy } from '@app/net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { QUEUE, publishQueueOf, type Platform } from '@app/contracts';
import { JsonExceptionFilter } from '@app/observability';
import {
  DouyinAdapter,
  PlatformAdapterRegistry,
  ShopDirectory,
  TaobaoAdapter,
  XiaohongshuAdapter,
  type PlatformAdapterDeps,
  type ShopContext,
  type TokenSet,
} from '@app/platforms';
import { QueueModule } from '@app/queue';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { DOUYIN_DEMO_SHOP, startSimulator, TAOBAO_DEMO_SHOP, XHS_DEMO_SHOP, type AnySimulator, type SimShopConfig } from '@app/sandbox';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { CatalogFeatureModule } from '../../src/catalog/catalog-feature.module';
import type { CatalogFeatureOptions } from '../../src/catalog/catalog-feature.options';

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const ALL_PLATFORMS: Platform[] = ['douyin', 'taobao', 'xiaohongshu'];
const DEMO: Record<Platform, SimShopConfig> = { douyin: DOUYIN_DEMO_SHOP, taobao: TAOBAO_DEMO_SHOP, xiaohongshu: XHS_DEMO_SHOP };

@Global()
@Module({})
class CatalogTestPortsModule {
  static register(providers: Provider[]): DynamicModule {
    return { module: CatalogTestPortsModule, global: true, providers, exports: providers.map((p) => (p as unknown as { provide: never }).provide) };
  }
}

/** ShopDirectory over the simulators' demo shops (the real one decrypts core.shops; not under test here). */
class SimShopDirectory extends ShopDirectory {
  readonly byId = new Map<string, ShopContext>();
  async get(shopId: string) {
    return this.byId.get(shopId) ?? null;
  }
  async findByPlatformShopId(platform: Platform, platformShopId: string) {
    return [...this.byId.values()].find((s) => s.platform === platform && s.platformShopId === platformShopId) ?? null;
  }
  async appSecret() {
    return null;
  }
  async listActive(platform?: Platform) {
    return [...this.byId.values()].filter((s) => !platform || s.platform === platform);
  }
  async saveTokens(_shopId: string, _t: TokenSet) {}
  async markNeedsReauth(shopId: string, reason: string) {
    throw new Error(`unexpected re-auth of ${shopId}: ${reason}`);
  }
}

export interface CatalogHarness {
  db: TestDatabase;
  app: INestApplication;
  prefix: string;
  merchantId: string;
  shopIds: Record<Platform, string>;
  sims: Record<Platform, AnySimulator>;
  /** supertest agent with the gateway's merchant headers (merchandiser) */
  http(): ReturnType<typeof request>;
  headers(roles?: string): Record<string, string>;
  queue(name: string): Queue;
  /** every platform call the simulators accepted, by platform */
  requestCounts(): Record<Platform, number>;
  /** points a shop's API base URL elsewhere (as a stored shop row would) */
  setShopBaseUrl(platform: Platform, baseUrl: string): void;
  close(): Promise<void>;
}

/** catalog-sync's catalog feature over a real Postgres database, real Redis (own prefix) and the three simulators. */
export async function createCatalogHarness(opts: { options?: Partial<CatalogFeatureOptions> } = {}): Promise<CatalogHarness> {
  const db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
  const prefix = testPrefix('cs-cat');
  const sims = {
    douyin: await startSimulator('douyin', { products: 0, qps: null }),
    taobao: await startSimulator('taobao', { products: 0, qps: null }),
    xiaohongshu: await startSimulator('xiaohongshu', { products: 0, qps: null }),
  } as Record<Platform, AnySimulator>;
  const merchantId = randomUUID();
  await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, $2)`, [merchantId, `catalog-${prefix}`]);
  const directory = new SimShopDirectory();
  const shopIds = {} as Record<Platform, string>;
  for (const p of ALL_PLATFORMS) {
    const id = randomUUID();
    shopIds[p] = id;
    const d = DEMO[p];
    await db.dataSource.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, merchantId, p, d.platformShopId, `${p} shop`, d.appKey, Buffer.from('not-used-in-this-test')],
    );
    directory.byId.set(id, {
      shopId: id,
      platform: p,
      platformShopId: d.platformShopId,
      baseUrl: sims[p].url,
      credentials: { appKey: d.appKey, appSecret: d.appSecret, accessToken: d.accessToken, refreshToken: d.refreshToken, accessTokenExpiresAt: new Date(Date.now() + 86_400_000) },
      // the shop setting Taobao's item.add sends (a stored shop row's location_state / location_city)
      location: { state: '浙江', city: '杭州' },
    });
  }
  const redis = new Redis(REDIS_URL);
  const breakers = new BreakerRegistry({ requestTimeoutMs: 5000 });
  const deps: PlatformAdapterDeps = {
    directory,
    breakers,
    limiter: new RedisRateLimiter(redis, { keyPrefix: `${prefix}-qps`, defaultQps: 1000 }),
    // exactly the simulators' ports, as scripts/system.ts gives a running system: other loopback ports stay refused
    options: { timeoutMs: 5000, outbound: new OutboundPolicy({ allowHosts: ALL_PLATFORMS.map((p) => new URL(sims[p].url).host) }) },
  };
  const registry = new PlatformAdapterRegistry([new DouyinAdapter(deps), new TaobaoAdapter(deps), new XiaohongshuAdapter(deps)]);
  const moduleRef = await Test.createTestingModule({
    imports: [
      CatalogTestPortsModule.register([
        { provide: DataSource, useValue: db.dataSource },
        { provide: ShopDirectory, useValue: directory },
        { provide: PlatformAdapterRegistry, useValue: registry },
      ]),
      QueueModule.forRoot({ redis: REDIS_URL, prefix, shutdownGraceMs: 2000 }),
      CatalogFeatureModule.register({ options: { publishConcurrency: 4, ...opts.options } }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new JsonExceptionFilter());
  await app.init();
  const queue = (name: string) => app.get<Queue>(getQueueToken(name));
  const headers = (roles = 'merchandiser') => ({ 'x-omnisync-merchant-id': merchantId, 'x-omnisync-roles': roles });
  return {
    db,
    app,
    prefix,
    merchantId,
    shopIds,
    sims,
    http: () => request(app.getHttpServer()),
    headers,
    queue,
    setShopBaseUrl: (platform, baseUrl) => {
      const shop = directory.byId.get(shopIds[platform])!;
      directory.byId.set(shopIds[platform], { ...shop, baseUrl });
    },
    requestCounts: () => ({
      douyin: sims.douyin.requests().length,
      taobao: sims.taobao.requests().length,
      xiaohongshu: sims.xiaohongshu.requests().length,
    }),
    async close() {
      const queues = [QUEUE.CATALOG_PUBLISH, QUEUE.CATALOG_PUBLISH_FLOW, ...ALL_PLATFORMS.map(publishQueueOf)].map(queue);
      await app.close();
      for (const q of queues) {
        const fresh = new (q.constructor as new (n: string, o: unknown) => Queue)(q.name, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
        await fresh.obliterate({ force: true });
        await fresh.close();
      }
      breakers.shutdown();
      const keys = await redis.keys(`${prefix}-qps*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await Promise.all(ALL_PLATFORMS.map((p) => sims[p].close()));
      await db.drop();
    },
  };
}

/** polls `probe` until it returns a truthy value (or throws after timeoutMs) */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** a valid product body for POST /products */
export function productBody(over: Record<string, unknown> = {}, key = randomUUID().slice(0, 8)): Record<string, unknown> {
  return {
    title: '春季纯棉T恤 男款',
    description: '舒适透气的纯棉面料',
    images: ['https://img.example/tee-1.jpg'],
    category: '1001',
    attributes: { 品牌: 'Acme', 材质: '棉' },
    skus: [
      { erpSkuCode: `TEE-${key}-M`, barcode: '6900000000011', specValues: { 尺码: 'M' }, listPriceFen: 12900, salePriceFen: 9900, weightGrams: 200 },
      { erpSkuCode: `TEE-${key}-L`, specValues: { 尺码: 'L' }, listPriceFen: 12900, salePriceFen: 9900, weightGrams: 220 },
    ],
    ...over,
  };
}
