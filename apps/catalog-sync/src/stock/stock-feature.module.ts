import { Inject, Injectable, Module, type DynamicModule, type ModuleMetadata, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createRedisClient, type RedisClient } from '@app/observability';
import { QUEUE } from '@app/contracts';
import { QUEUE_MODULE_OPTIONS, registerQueues, type QueueModuleOptions } from '@app/queue';
import { RedisRateLimiter } from '@app/resilience';
import { StockEventsProcessor } from './stock-events.processor';
import { STOCK_REDIS, StockPushLock } from './stock-lock';
import { StockJobs } from './stock-jobs';
import { STOCK_SKU_LIMITER, StockSyncService } from './stock-sync.service';
import { StockSyncProcessor } from './stock-sync.processor';
import { StockController } from './stock.controller';
import { DEFAULT_STOCK_OPTIONS, STOCK_OPTIONS, type StockOptions } from './stock.options';
import { StockRepository } from './stock.repository';
import { StockService } from './stock.service';

const STOCK_CONCURRENCY = Symbol('STOCK_CONCURRENCY');

export interface StockFeatureModuleOptions {
  /** merged over DEFAULT_STOCK_OPTIONS (e.g. safetyStockDefault from env SAFETY_STOCK) */
  options?: Partial<StockOptions>;
  /** sync-stock worker concurrency (env STOCK_SYNC_CONCURRENCY) */
  concurrency?: number;
  /** modules exporting PlatformAdapterRegistry and ShopDirectory, unless they are global */
  imports?: ModuleMetadata['imports'];
}

@Injectable()
class StockLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly jobs: StockJobs,
    private readonly processor: StockSyncProcessor,
    @Inject(STOCK_OPTIONS) private readonly opts: StockOptions,
    @Inject(STOCK_REDIS) private readonly redis: RedisClient,
    @Inject(STOCK_CONCURRENCY) private readonly concurrency: number | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.concurrency !== null) this.processor.worker.concurrency = this.concurrency;
    if (this.opts.driftCheckEveryMs > 0) await this.jobs.scheduleDriftCheck(this.opts.driftCheckEveryMs);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Stock: ERP levels (POST /erp/stock), allocations (PUT /skus/:id/stock-allocation), reservations from
 * order-sync's stock events ({stock-events} apply-order-stock, relayed from its stock-event outbox: docs/adr/0014),
 * coalesced pushes ({stock-sync} sync-stock), the drift check (check-stock-drift, repeatable) and
 * GET /skus/:id/stock. Needs in the app: a TypeORM
 * DataSource, QueueModule.forRoot, and PlatformAdapterRegistry + ShopDirectory (via `imports` or global).
 */
@Module({})
export class StockFeatureModule {
  static register(cfg: StockFeatureModuleOptions = {}): DynamicModule {
    const options: StockOptions = { ...DEFAULT_STOCK_OPTIONS, ...(cfg.options ?? {}) };
    return {
      module: StockFeatureModule,
      imports: [...(cfg.imports ?? []), registerQueues([QUEUE.STOCK_SYNC, QUEUE.STOCK_EVENTS])],
      controllers: [StockController],
      providers: [
        { provide: STOCK_OPTIONS, useValue: options },
        { provide: STOCK_CONCURRENCY, useValue: cfg.concurrency ?? null },
        {
          provide: STOCK_REDIS,
          inject: [QUEUE_MODULE_OPTIONS],
          useFactory: (q: QueueModuleOptions) => createRedisClient(q.redis, { connectionName: 'omnisync-stock', maxRetriesPerRequest: 2 }),
        },
        {
          provide: STOCK_SKU_LIMITER,
          inject: [STOCK_REDIS, QUEUE_MODULE_OPTIONS],
          useFactory: (redis: RedisClient, q: QueueModuleOptions) =>
            // a flash sale needs its first updates at once: a second's worth may go together, then the rate
            new RedisRateLimiter(redis, { keyPrefix: `${q.prefix}-stock-sku`, defaultQps: options.skuUpdatesPerSec, maxWaitMs: 0, burstFor: (qps) => qps }),
        },
        {
          provide: StockPushLock,
          inject: [STOCK_REDIS, QUEUE_MODULE_OPTIONS],
          useFactory: (redis: RedisClient, q: QueueModuleOptions) => new StockPushLock(redis, `${q.prefix}-stock-push-lock`),
        },
        StockRepository,
        StockJobs,
        StockService,
        StockSyncService,
        StockSyncProcessor,
        StockEventsProcessor,
        StockLifecycle,
      ],
      exports: [StockService, StockSyncService, StockJobs],
    };
  }
}
