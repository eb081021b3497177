import { randomUUID } from 'node:crypto';
import { Global, Module, ValidationPipe, type DynamicModule, type INestApplication, type Provider } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { DataSource } from 'typeorm';
import { QUEUE, type CanonicalOrder, type Platform } from '@app/contracts';
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
import {
  DOUYIN_DEMO_SHOP,
  startSimulator,
  TAOBAO_DEMO_SHOP,
  XHS_DEMO_SHOP,
  type AnySimulator,
  type SimOrder,
  type SimShopConfig,
} from '@app/sandbox';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { PriceTiersFeatureModule } from '../../src/price-tiers/price-tiers-feature.module';
import { StockFeatureModule } from '../../src/stock/stock-feature.module';
import type { StockOptions } from '../../src/stock/stock.options';

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const PLATFORMS: Platform[] = ['douyin', 'taobao', 'xiaohongshu'];
const DEMO: Record<Platform, SimShopConfig> = { douyin: DOUYIN_DEMO_SHOP, taobao: TAOBAO_DEMO_SHOP, xiaohongshu: XHS_DEMO_SHOP };

@Global()
@Module({})
class PortsModule {
  static register(providers: Provider[]): DynamicModule {
    return { module: PortsModule, global: true, providers, exports: providers.map((p) => (p as unknown as { provide: never }).provide) };
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

export interface SkuFixture {
  skuId: string;
  erpSkuCode: string;
  /** per platform: the simulator's product / SKU ids */
  platformIds: Record<Platform, { productId: string; skuId: string }>;
}

export interface StockHarness {
  db: TestDatabase;
  app: INestApplication;
  prefix: string;
  merchantId: string;
  shopIds: Record<Platform, string>;
  sims: Record<Platform, AnySimulator>;
  createSku(o: { salePriceFen?: number; listPriceFen?: number; simStock?: number }): Promise<SkuFixture>;
  /** a SKU of a second merchant (no shop mappings): what other merchants' callers must never see or change */
  createForeignSku(): Promise<{ merchantId: string; skuId: string; erpSkuCode: string }>;
  /**
   * HTTP client that sends what the gateway forwards: x-omnisync-merchant-id (default: the harness merchant)
   * and x-omnisync-roles (default 'admin'); `merchantId: null` / `roles: null` leave the header out.
   */
  api(o?: { merchantId?: string | null; roles?: string | null }): ApiClient;
  simSku(platform: Platform, f: SkuFixture): { stock: number; priceFen: number };
  /** canonical order for a simulator order (what order-sync would deliver) */
  canonical(platform: Platform, o: SimOrder, f: SkuFixture): CanonicalOrder;
  queue(name: string): Queue;
  close(): Promise<void>;
}

export interface ApiClient {
  get(url: string): request.Test;
  post(url: string): request.Test;
  put(url: string): request.Test;
}

let seq = 0;

export async function createStockHarness(opts: { stock?: Partial<StockOptions> } = {}): Promise<StockHarness> {
  const db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
  const prefix = testPrefix('cs-stock');
  const sims = {
    douyin: await startSimulator('douyin', { products: 0, qps: null }),
    taobao: await startSimulator('taobao', { products: 0, qps: null }),
    xiaohongshu: await startSimulator('xiaohongshu', { products: 0, qps: null }),
  } as Record<Platform, AnySimulator>;
  const merchantId = randomUUID();
  await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, $2)`, [merchantId, `stock-${prefix}`]);
  const directory = new SimShopDirectory();
  const shopIds = {} as Record<Platform, string>;
  for (const p of PLATFORMS) {
    const id = randomUUID();
    shopIds[p] = id;
    const d = DEMO[p];
    await db.dataSource.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
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
  const deps: PlatformAdapterDeps = {
    directory,
    breakers: new BreakerRegistry({ requestTimeoutMs: 5000 }),
    limiter: new RedisRateLimiter(redis, { keyPrefix: `${prefix}-qps`, defaultQps: 1000 }),
    options: { timeoutMs: 5000, outbound: testOutboundPolicy() },
  };
  const registry = new PlatformAdapterRegistry([new DouyinAdapter(deps), new TaobaoAdapter(deps), new XiaohongshuAdapter(deps)]);
  const moduleRef = await Test.createTestingModule({
    imports: [
      PortsModule.register([
        { provide: DataSource, useValue: db.dataSource },
        { provide: ShopDirectory, useValue: directory },
        { provide: PlatformAdapterRegistry, useValue: registry },
      ]),
      QueueModule.forRoot({ redis: REDIS_URL, prefix, shutdownGraceMs: 2000 }),
      StockFeatureModule.register({ options: { driftCheckEveryMs: 0, coalesceDelayMs: 200, skuUpdatesPerSec: 20, ...opts.stock } }),
      // price read-back through the adapters' own read APIs (the default PlatformApiPriceReader)
      PriceTiersFeatureModule.register(),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new JsonExceptionFilter());
  await app.init();

  const queue = (name: string) => app.get<Queue>(getQueueToken(name));
  return {
    db,
    app,
    prefix,
    merchantId,
    shopIds,
    sims,
    queue,
    async createSku({ salePriceFen = 9900, listPriceFen = 12900, simStock = 0 }) {
      const n = ++seq;
      const code = `SKU-${prefix}-${n}`;
      const [{ id: productId }] = await db.dataSource.query(
        `INSERT INTO catalog_sync.products (merchant_id, title, category) VALUES ($1, $2, 'test') RETURNING id`,
        [merchantId, `product ${n}`],
      );
      const [{ id: skuId }] = await db.dataSource.query(
        `INSERT INTO catalog_sync.skus (product_id, merchant_id, erp_sku_code, list_price_fen, sale_price_fen) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [productId, merchantId, code, listPriceFen, salePriceFen],
      );
      const pad = (s: string, len: number) => s + String(n).padStart(len - s.length, '0');
      const platformIds: SkuFixture['platformIds'] = {
        douyin: { productId: pad('36', 19), skuId: pad('17', 19) },
        taobao: { productId: pad('6', 12), skuId: pad('5', 13) },
        xiaohongshu: { productId: pad('64', 24), skuId: pad('65', 24) },
      };
      for (const p of PLATFORMS) {
        sims[p].seedProducts([{ productId: platformIds[p].productId, skus: [{ skuId: platformIds[p].skuId, skuCode: code, stock: simStock, priceFen: salePriceFen, originalPriceFen: listPriceFen }] }]);
        await db.dataSource.query(
          `INSERT INTO catalog_sync.sku_mappings (sku_id, shop_id, platform, platform_product_id, platform_sku_id) VALUES ($1, $2, $3, $4, $5)`,
          [skuId, shopIds[p], p, platformIds[p].productId, platformIds[p].skuId],
        );
      }
      return { skuId, erpSkuCode: code, platformIds };
    },
    async createForeignSku() {
      const n = ++seq;
      const other = randomUUID();
      await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, $2)`, [other, `other-${prefix}-${n}`]);
      const [{ id: productId }] = await db.dataSource.query(
        `INSERT INTO catalog_sync.products (merchant_id, title, category) VALUES ($1, $2, 'test') RETURNING id`,
        [other, `foreign product ${n}`],
      );
      const erpSkuCode = `FOREIGN-${prefix}-${n}`;
      const [{ id: skuId }] = await db.dataSource.query(
        `INSERT INTO catalog_sync.skus (product_id, merchant_id, erp_sku_code, list_price_fen, sale_price_fen) VALUES ($1, $2, $3, 12900, 9900) RETURNING id`,
        [productId, other, erpSkuCode],
      );
      return { merchantId: other, skuId, erpSkuCode };
    },
    api(o = {}) {
      const merchant = o.merchantId === undefined ? merchantId : o.merchantId;
      const roles = o.roles === undefined ? 'admin' : o.roles;
      const withHeaders = (t: request.Test) => {
        if (merchant !== null) t.set('x-omnisync-merchant-id', merchant);
        if (roles !== null) t.set('x-omnisync-roles', roles);
        return t;
      };
      const server = app.getHttpServer();
      return {
        get: (url) => withHeaders(request(server).get(url)),
        post: (url) => withHeaders(request(server).post(url)),
        put: (url) => withHeaders(request(server).put(url)),
      };
    },
    simSku(p, f) {
      const s = sims[p].store.sku(f.platformIds[p].skuId);
      return { stock: s.stock, priceFen: s.priceFen };
    },
    canonical(p, o, f) {
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      const status = o.status === 'pending_payment' ? 'pending_payment' : o.status;
      return {
        platform: p,
        shopId: shopIds[p],
        platformOrderId: o.orderId,
        status,
        platformStatus: o.status,
        createdAt: iso(o.createdAt) as string,
        paidAt: iso(o.paidAt),
        updatedAt: iso(o.updatedAt) as string,
        cashOnDelivery: false,
        totalFen: 0,
        paidFen: 0,
        shippingFen: 0,
        discountFen: 0,
        buyer: { nickMasked: null, receiverMasked: null, phoneMasked: null, addressMasked: null },
        items: o.items.map((i) => ({
          lineId: i.lineId,
          platformProductId: i.productId,
          platformSkuId: i.skuId,
          erpSkuCode: i.skuId === f.platformIds[p].skuId ? f.erpSkuCode : i.skuCode,
          title: i.title,
          quantity: i.quantity,
          unitPriceFen: i.unitPriceFen,
          paidFen: i.unitPriceFen * i.quantity,
          discountFen: 0,
        })),
        refundStatus: 'none',
      };
    },
    async close() {
      const queues = [QUEUE.STOCK_SYNC, QUEUE.STOCK_EVENTS, QUEUE.PRICE_TIERS].map(queue);
      await app.close();
      for (const q of queues) {
        const fresh = new (q.constructor as new (n: string, o: unknown) => Queue)(q.name, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
        await fresh.obliterate({ force: true });
        await fresh.close();
      }
      // the stock feature's own keys (limiter, push locks) under this suite's prefix
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}-*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
      await Promise.all(PLATFORMS.map((p) => sims[p].close()));
      await db.drop();
    },
  };
}

/** polls `probe` until it returns a truthy value (or throws after timeoutMs) */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
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
    await new Promise((r) => setTimeout(r, 25));
  }
}
