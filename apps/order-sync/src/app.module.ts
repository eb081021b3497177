import { ORDER_SYNC_QUEUES, redisTargetFromEnv } from '@app/contracts';
import { platformOutboundPolicyFromEnv } from '@app/platforms';
import { Module, type DynamicModule, type ForwardReference, type Type } from '@nestjs/common';
import { TypedConfigModule } from '@app/config';
import type { ErpConnectorOptions } from '@app/erp';
import { ErpModule } from '@app/erp/erp.module';
import { PlatformLookupModule } from '@app/intake/platform-lookup.module';
import { HealthModule, MetricsModule } from '@app/observability';
import { ServiceAuthModule } from '@app/service-auth';
import { PersistenceModule, SecretBox, ShopDirectoryModule } from '@app/persistence';
import { PlatformRuntimeModule } from '@app/platforms/platform-runtime.module';
import type { OutboundPolicy } from '@app/net';
import { NetModule } from '@app/net/net.module';
import { QueueModule, WorkerDrain } from '@app/queue';
import { OrderSyncEnv } from './config/env.validation';
import { OrderSyncFeatureModule } from './order-sync.module';
import type { OrderSyncOptions } from './order-sync.options';
import { TaobaoTmcSource } from './tmc/taobao-tmc.source';
import { TmcSource } from './tmc/tmc-source.port';
import { ShipmentsFeatureModule } from './shipments/shipments.module';
import { ErpLanesModule } from './delivery/erp-lanes.module';
import { SPARE_ERP_SOCKETS } from './delivery/erp-lanes';

export function erpOptions(env: OrderSyncEnv, outbound: OutboundPolicy = platformOutboundPolicyFromEnv(env)): ErpConnectorOptions {
  const common = {
    baseUrl: env.ERP_BASE_URL,
    timeoutMs: env.ERP_TIMEOUT_MS,
    timeoutMaxMs: Math.max(env.ERP_TIMEOUT_MS, env.ERP_TIMEOUT_MAX_MS),
    // a socket per call in flight, and a few for interceptions and shipment notices
    maxSockets: env.ERP_MAX_IN_FLIGHT + SPARE_ERP_SOCKETS,
    maxBatch: env.ERP_MAX_BATCH,
    outbound,
    maxResponseBytes: env.ERP_MAX_RESPONSE_BYTES,
  };
  return env.ERP_CONNECTOR === 'jushuitan'
    ? { ...common, connector: 'jushuitan', appKey: env.JST_APP_KEY!, appSecret: env.JST_APP_SECRET!, accessToken: env.JST_ACCESS_TOKEN! }
    : { ...common, connector: 'generic-http', secret: env.ERP_SECRET! };
}

export function orderSyncOptions(env: OrderSyncEnv): Partial<OrderSyncOptions> {
  return {
    ingestBatchSize: env.ORDER_INGEST_BATCH_SIZE,
    ingestBatchWaitMs: env.ORDER_INGEST_BATCH_WAIT_MS,
    ingestConcurrency: env.ORDER_EVENTS_CONCURRENCY,
    maxFutureSkewMs: env.ORDER_MAX_FUTURE_SKEW_MS,
    platformQpsScope: env.PLATFORM_QPS_SCOPE,
    erpPushConcurrency: env.ERP_PUSH_CONCURRENCY,
    erpInterceptConcurrency: env.ERP_INTERCEPT_CONCURRENCY,
    slaCheckIntervalMs: env.SLA_CHECK_INTERVAL_MS,
    slaWarningMs: env.SLA_WARN_MS,
    slaBreachMs: env.SLA_BREACH_MS,
    alertWebhookUrl: env.ALERT_WEBHOOK_URL ?? null,
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    sweepStaleAfterMs: env.SWEEP_STALE_AFTER_MS,
    pollIntervalMs: env.ORDER_POLL_ENABLED ? env.ORDER_POLL_INTERVAL_MS : 0,
    pollFastIntervalMs: env.ORDER_POLL_FAST_INTERVAL_MS,
    pollFastHoldMs: env.ORDER_POLL_FAST_HOLD_MS,
    pollOverlapMs: env.ORDER_POLL_OVERLAP_MS,
    pollDeepOverlapMs: env.ORDER_POLL_DEEP_OVERLAP_MS,
    pollDeepEveryMs: env.ORDER_POLL_DEEP_EVERY_MS,
    pollConcurrency: env.ORDER_POLL_CONCURRENCY,
    pollShopCheckMs: env.ORDER_POLL_SHOP_CHECK_MS,
    pollSchedulerRefreshMs: env.ORDER_POLL_SCHEDULER_REFRESH_MS,
    leaderLeaseTtlMs: env.LEADER_LEASE_TTL_MS,
    tmcEnabled: env.TMC_ENABLED,
    tmcGroupName: env.TMC_GROUP_NAME,
    tmcChannel: env.TAOBAO_TMC_CHANNEL,
    retention: {
      enabled: env.RETENTION_ENABLED,
      intervalMs: env.RETENTION_INTERVAL_MS,
      batchRows: env.RETENTION_BATCH_ROWS,
      maxBatchesPerTick: env.RETENTION_MAX_BATCHES_PER_TICK,
      daySeconds: retentionDaySeconds(env),
      vacuumIntervalMs: env.RETENTION_VACUUM_INTERVAL_MS,
      days: {
        inbox: env.RETENTION_INBOX_DAYS,
        outbox: env.RETENTION_OUTBOX_DAYS,
        slaEvents: env.RETENTION_SLA_EVENTS_DAYS,
        audit: env.RETENTION_AUDIT_DAYS,
        outages: env.RETENTION_OUTAGES_DAYS,
      },
    },
    backgroundLoops: env.ORDER_SYNC_BACKGROUND_LOOPS,
  };
}

/** order-sync's feature modules (STYLE rule 2), built from the validated env. */
export function features(env: OrderSyncEnv): Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference> {
  // one outbound URL policy per process (libs/net): platform calls, the ERP, the SLA alert webhook
  const outbound = platformOutboundPolicyFromEnv(env);
  // the default ERP (environment): one connector (and breaker) per process, for merchants without an ERP
  // connection of their own; ErpLanes gives every other merchant its own connector and breaker
  const erp = ErpModule.forRoot(erpOptions(env, outbound));
  return [
    NetModule.forRoot(outbound),
    PlatformRuntimeModule.fromEnv(env, ShopDirectoryModule, outbound),
    PlatformLookupModule,
    ErpLanesModule.forRoot([erp], { maxInFlight: env.ERP_MAX_IN_FLIGHT, timeoutMaxMs: Math.max(env.ERP_TIMEOUT_MS, env.ERP_TIMEOUT_MAX_MS) }),
    OrderSyncFeatureModule.register({
      options: orderSyncOptions(env),
      imports: [erp],
      providers: [
        { provide: TmcSource, useClass: TaobaoTmcSource },
        // buyer data at rest: sealed with the same key as shop credentials
        { provide: SecretBox, useValue: SecretBox.fromConfig(env.SECRETS_KEY) },
      ],
    }),
    ShipmentsFeatureModule.register({
      imports: [erp],
      options: {
        concurrency: env.SHIPMENTS_CONCURRENCY,
        sweepIntervalMs: env.SWEEP_INTERVAL_MS,
        leaderLeaseTtlMs: env.LEADER_LEASE_TTL_MS,
        backgroundLoops: env.ORDER_SYNC_BACKGROUND_LOOPS,
      },
    }),
  ];
}

/** Root module: typed config, Postgres, BullMQ root, /metrics, /health/*, then the features. */
@Module({})
export class AppModule {
  static forRoot(env: OrderSyncEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypedConfigModule.forRoot(OrderSyncEnv, env),
        PersistenceModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: 'order-sync' }),
        QueueModule.forRoot({ redis: redisTargetFromEnv(env), prefix: env.BULLMQ_PREFIX, shutdownGraceMs: env.SHUTDOWN_GRACE_MS, process: ORDER_SYNC_QUEUES }),
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

/** RETENTION_DAY_SECONDS below a real day shortens every retention window, the redelivery floors included: soak runs only */
function retentionDaySeconds(env: OrderSyncEnv): number {
  if (env.NODE_ENV === 'production' && env.RETENTION_DAY_SECONDS !== 86_400) {
    throw new Error(`RETENTION_DAY_SECONDS must be 86400 with NODE_ENV=production (it is ${env.RETENTION_DAY_SECONDS}): a shorter day shortens every retention window, for soak runs only`);
  }
  return env.RETENTION_DAY_SECONDS;
}
