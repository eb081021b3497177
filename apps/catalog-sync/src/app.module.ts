import { catalogSyncQueues, redisTargetFromEnv } from '@app/contracts';
import { platformNames, platformOutboundPolicyFromEnv } from '@app/platforms';
import { Module, type DynamicModule, type ForwardReference, type Type } from '@nestjs/common';
import { TypedConfigModule } from '@app/config';
import { HealthModule, MetricsModule } from '@app/observability';
import { ServiceAuthModule } from '@app/service-auth';
import { PersistenceModule, ShopDirectoryModule } from '@app/persistence';
import { PlatformRuntimeModule } from '@app/platforms/platform-runtime.module';
import { NetModule } from '@app/net/net.module';
import { CatalogFeatureModule } from './catalog/catalog-feature.module';
import { PriceTiersFeatureModule } from './price-tiers/price-tiers-feature.module';
import { StockFeatureModule } from './stock/stock-feature.module';
import { QueueModule, WorkerDrain } from '@app/queue';
import { CatalogSyncEnv } from './config/env.validation';

/**
 * Feature modules of catalog-sync go here (one Nest module per feature, STYLE rule 2). They read typed config
 * by injecting `CatalogSyncEnv`, register their queues with `registerQueues([...])` from @app/queue and
 * declare workers with `@Processor(QUEUE.X, { concurrency })`.
 */
export function features(env: CatalogSyncEnv): Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference> {
  // one outbound URL policy per process (libs/net): platform calls here, save-time URL checks
  const outbound = platformOutboundPolicyFromEnv(env);
  return [
    NetModule.forRoot(outbound),
    PlatformRuntimeModule.fromEnv(env, ShopDirectoryModule, outbound),
    CatalogFeatureModule.register({ options: { publishConcurrency: env.CATALOG_PUBLISH_CONCURRENCY } }),
    // PlatformAdapterRegistry + ShopDirectory come from the global PlatformRuntimeModule above: no imports
    StockFeatureModule.register({ options: { safetyStockDefault: env.SAFETY_STOCK }, concurrency: env.STOCK_SYNC_CONCURRENCY }),
    PriceTiersFeatureModule.register({ concurrency: env.PRICE_TIERS_CONCURRENCY }),
  ];
}

/** Root module: typed config, Postgres, BullMQ root, /metrics, /health/*, then the features. */
@Module({})
export class AppModule {
  static forRoot(env: CatalogSyncEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypedConfigModule.forRoot(CatalogSyncEnv, env),
        PersistenceModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: 'catalog-sync' }),
        QueueModule.forRoot({ redis: redisTargetFromEnv(env), prefix: env.BULLMQ_PREFIX, shutdownGraceMs: env.SHUTDOWN_GRACE_MS, process: catalogSyncQueues(platformNames()) }),
        MetricsModule.forRoot({ port: env.METRICS_PORT, host: env.BIND_HOST }),
        // only calls the gateway signed (health stays open): libs/service-auth
        ServiceAuthModule.forRoot({ secret: env.INTERNAL_SERVICE_SECRET, redis: redisTargetFromEnv(env), keyPrefix: env.BULLMQ_PREFIX }),
        HealthModule.forRoot({ redis: redisTargetFromEnv(env) }),
        ...features(env),
      ],
      // root-module provider so its onModuleDestroy runs first: workers drain before anything closes
      providers: [WorkerDrain],
    };
  }
}
