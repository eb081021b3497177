import { Global, Module, type DynamicModule, type INestApplication, type Provider } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUE, type Platform } from '@app/contracts';
import { ErpConnector } from '@app/erp';
import { PlatformAdapterLookup } from '@app/intake';
import { SecretBox } from '@app/persistence';
import { OutboundPolicy } from '@app/net';
import { metricsRegistry } from '@app/observability';
import { ShopDirectory, type PlatformAdapter } from '@app/platforms';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../scripts/migrations';
import { OrderSyncFeatureModule } from '../src/order-sync.module';
import type { OrderSyncOptions } from '../src/order-sync.options';
import { FakeErpConnector, FakePlatformAdapter, FakeShopDirectory } from './fakes';

export const REDIS = { host: '127.0.0.1', port: 6379 };

/** Ports as global providers, the way the lead's app module will provide the real ones. */
@Global()
@Module({})
export class FakePortsModule {
  static register(providers: Provider[]): DynamicModule {
    return { module: FakePortsModule, global: true, providers, exports: providers.map((p) => (p as { provide: unknown }).provide as never) };
  }
}

export interface Harness {
  db: TestDatabase;
  app: INestApplication;
  prefix: string;
  shops: FakeShopDirectory;
  adapters: Record<Platform, FakePlatformAdapter>;
  erp: FakeErpConnector;
  /** the process registry (every metric of the catalogue), its values reset when the harness is made */
  registry: typeof metricsRegistry;
  queue(name: (typeof QUEUE)[keyof typeof QUEUE]): Queue;
  close(): Promise<void>;
}

export const SHOP_ID = '7a4e1f3c-0000-4000-8000-000000000001';
/** the key buyer data is sealed with in these tests */
export const TEST_SECRETS_KEY = '0f'.repeat(32);

export async function createHarness(
  opts: { options?: Partial<OrderSyncOptions>; db?: TestDatabase; extraImports?: DynamicModule[] } = {},
): Promise<Harness> {
  const db = opts.db ?? (await createTestDatabase({ migrations: ALL_MIGRATIONS }));
  const prefix = testPrefix('os');
  const shops = new FakeShopDirectory();
  shops.addShop({ shopId: SHOP_ID, platform: 'douyin', platformShopId: 'dy-shop-1', appKey: 'dy-app', appSecret: 'dy-secret' });
  const adapters: Record<Platform, FakePlatformAdapter> = {
    douyin: new FakePlatformAdapter('douyin'),
    taobao: new FakePlatformAdapter('taobao'),
    xiaohongshu: new FakePlatformAdapter('xiaohongshu'),
  };
  const erp = new FakeErpConnector();
  // one registry per process: each harness starts from zero (a jest file is its own process registry)
  const registry = metricsRegistry;
  registry.resetMetrics();
  const lookup: PlatformAdapterLookup = { get: (p: Platform): PlatformAdapter => adapters[p] };
  const moduleRef = await Test.createTestingModule({
    imports: [
      FakePortsModule.register([
        { provide: DataSource, useValue: db.dataSource },
        { provide: ShopDirectory, useValue: shops },
        { provide: PlatformAdapterLookup, useValue: lookup },
        { provide: ErpConnector, useValue: erp },
        { provide: SecretBox, useValue: SecretBox.fromConfig(TEST_SECRETS_KEY) },
        // the tests' webhook and simulators listen on loopback (OUTBOUND_ALLOW_LOOPBACK=true)
        { provide: OutboundPolicy, useValue: new OutboundPolicy({ allowLoopback: true }) },
      ]),
      BullModule.forRoot({ connection: REDIS, prefix }),
      OrderSyncFeatureModule.register({
        options: { backgroundLoops: false, ingestBatchWaitMs: 5, ...opts.options },
      }),
      ...(opts.extraImports ?? []),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  const queue = (name: string): Queue => app.get<Queue>(getQueueToken(name));
  return {
    db,
    app,
    prefix,
    shops,
    adapters,
    erp,
    registry,
    queue,
    async close() {
      const queues = [QUEUE.ORDER_EVENTS, QUEUE.ERP_PUSH, QUEUE.ERP_INTERCEPT, QUEUE.ORDER_POLL, QUEUE.STOCK_EVENTS].map(queue);
      await app.close();
      for (const q of queues) {
        const fresh = new (q.constructor as new (n: string, o: unknown) => Queue)(q.name, { connection: REDIS, prefix });
        await fresh.obliterate({ force: true });
        await fresh.close();
      }
      await db.drop();
    },
  };
}

/** polls `probe` until it returns a truthy value (or throws after timeoutMs) */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
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
