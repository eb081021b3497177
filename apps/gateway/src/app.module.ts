import { redisTargetFromEnv } from '@app/contracts';
import { platformOutboundPolicyFromEnv } from '@app/platforms';
import { Module, type DynamicModule, type ForwardReference, type Type } from '@nestjs/common';
import { TypedConfigModule } from '@app/config';
import { HealthModule, MetricsModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { QueueModule, WorkerDrain } from '@app/queue';
import { AuthModule } from './auth/auth.module';
import { GatewayEnv } from './config/env.validation';
import { LimitsModule } from './limits/limits.module';
import { MerchantsModule } from './merchants/merchants.module';
import { OpsModule } from './ops/ops.module';
import { ShopsModule } from './shops/shops.module';
import { ShopOauthModule } from './shops/oauth/shop-oauth.module';
import { ErpConnectionModule } from './erp-connection/erp-connection.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { ForwardingModule } from './forwarding/forwarding.module';
import { ExceptionsModule } from './exceptions/exceptions.module';
import { OpsPageModule } from './ops-page/ops-page.module';
import { CouponsModule } from './coupons/coupons.module';
import { PlatformLookupModule } from '@app/intake/platform-lookup.module';
import { ShopDirectoryModule } from '@app/persistence';
import { PlatformRuntimeModule } from '@app/platforms/platform-runtime.module';
import { NetModule } from '@app/net/net.module';
import { AlertsModule } from './alerts/alerts.module';

/**
 * Gateway feature modules go here (webhooks, orders API, catalog API ...). They read typed config by
 * injecting `GatewayEnv` and get their producer queues from `registerQueues([...])` (@app/queue).
 */
export function features(env: GatewayEnv): Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference> {
  // one outbound URL policy per process (libs/net): platform calls here, save-time URL checks
  const outbound = platformOutboundPolicyFromEnv(env);
  return [
    NetModule.forRoot(outbound),
    PlatformRuntimeModule.fromEnv(env, ShopDirectoryModule, outbound),
    PlatformLookupModule,
    ShopOauthModule.register({ redirectBaseUrl: env.OAUTH_REDIRECT_BASE_URL, stateTtlMs: env.OAUTH_STATE_TTL_MS }),
    WebhooksModule.register(),
    ForwardingModule,
    ExceptionsModule,
    AlertsModule.register({
      enabled: env.ALERTS_ENABLED,
      evalIntervalMs: env.ALERT_EVAL_INTERVAL_MS,
      sendIntervalMs: env.ALERT_SEND_INTERVAL_MS,
      groupWindowMs: env.ALERT_GROUP_WINDOW_MS,
      repeatMs: { critical: env.ALERT_REPEAT_CRITICAL_MS, warning: env.ALERT_REPEAT_WARNING_MS, info: env.ALERT_REPEAT_INFO_MS },
      breakerOpenMs: env.ALERT_BREAKER_OPEN_MS,
      queueAgeWarnMs: env.ALERT_QUEUE_AGE_WARN_MS,
      slaWindowMs: env.ALERT_SLA_WINDOW_MS,
    }),
    OpsPageModule,
    CouponsModule,
  ];
}

/** Root module: typed config, Postgres, BullMQ root, auth (global API-key guard), /metrics, /health/*, ops. */
@Module({})
export class AppModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypedConfigModule.forRoot(GatewayEnv, env),
        PersistenceModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: 'gateway' }),
        QueueModule.forRoot({ redis: redisTargetFromEnv(env), prefix: env.BULLMQ_PREFIX, shutdownGraceMs: env.SHUTDOWN_GRACE_MS, process: [] }),
        MetricsModule.forRoot({ port: env.METRICS_PORT, host: env.BIND_HOST }),
        HealthModule.forRoot({ redis: redisTargetFromEnv(env) }),
        LimitsModule,
        AuthModule,
        MerchantsModule,
        ShopsModule,
        ErpConnectionModule,
        OpsModule,
        ...features(env),
      ],
      providers: [WorkerDrain],
    };
  }
}
