import { COUPON_QUEUES, redisTargetFromEnv } from '@app/contracts';
import { platformOutboundPolicyFromEnv } from '@app/platforms';
import { PlatformRuntimeModule } from '@app/platforms/platform-runtime.module';
import { NetModule } from '@app/net/net.module';
import { Module, type DynamicModule, type ForwardReference, type Type } from '@nestjs/common';
import { TypedConfigModule } from '@app/config';
import { HealthModule, MetricsModule } from '@app/observability';
import { ServiceAuthModule } from '@app/service-auth';
import { PersistenceModule, ShopDirectoryModule } from '@app/persistence';
import { QueueModule, WorkerDrain } from '@app/queue';
import { CampaignsFeatureModule } from './campaigns/campaigns-feature.module';
import { CouponEnv } from './config/env.validation';

/**
 * Feature modules of coupon go here (one Nest module per feature, STYLE rule 2). They read typed config
 * by injecting `CouponEnv`, register their queues with `registerQueues([...])` from @app/queue and
 * declare workers with `@Processor(QUEUE.X, { concurrency })`.
 */
export function features(env: CouponEnv): Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference> {
  // one outbound URL policy per process (libs/net): the coupon-sync jobs' platform calls
  const outbound = platformOutboundPolicyFromEnv(env);
  return [
    NetModule.forRoot(outbound),
    PlatformRuntimeModule.fromEnv(env, ShopDirectoryModule, outbound),
    CampaignsFeatureModule.register({ options: { unconfirmedApis: env.COUPON_UNCONFIRMED_APIS_ENABLED, budgetStopLeadMs: env.COUPON_BUDGET_STOP_LEAD_MS, retentionDays: env.COUPON_RETENTION_DAYS }, sync: true }),
  ];
}

/** Root module: typed config, Postgres, BullMQ root, /metrics, /health/*, then the features. */
@Module({})
export class AppModule {
  static forRoot(env: CouponEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypedConfigModule.forRoot(CouponEnv, env),
        PersistenceModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: 'coupon' }),
        QueueModule.forRoot({ redis: redisTargetFromEnv(env), prefix: env.BULLMQ_PREFIX, shutdownGraceMs: env.SHUTDOWN_GRACE_MS, process: COUPON_QUEUES }),
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
