import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { redisTargetFromEnv, type RedisConfig, type RedisEnv } from '@app/contracts';
import type { OutboundPolicy } from '@app/net';
import { platformOutboundPolicyFromEnv, platformQpsFor } from './registry';
import { ResilienceModule } from '@app/resilience/resilience.module';
import type { QpsScope } from './http/platform-http.options';
import { PlatformsModule } from './platforms.module';

export interface PlatformRuntimeOptions {
  redis: RedisConfig;
  timeoutMs: number;
  breakerResetMs: number;
  qpsPerShop: number;
  /** how long a call may wait for its QPS slot before it is refused (default 200 ms) */
  qpsMaxWaitMs?: number;
  /** what one QPS budget covers (default 'api': each API method of a shop) */
  qpsScope?: QpsScope;
  /** Redis key prefix of the shared rate limiter (tests use their own) */
  rateLimitKeyPrefix?: string;
  /** a module exporting ShopDirectory (ShopDirectoryModule from @app/persistence) */
  directory: Type | DynamicModule;
  /** the app's outbound URL policy (default: production hosts only, no operator allowances) */
  outbound?: OutboundPolicy;
  /** largest platform response body accepted (default 8 MiB) */
  maxResponseBytes?: number;
}

/**
 * Everything an app needs to call platforms: breakers and the shared rate limiter (ResilienceModule),
 * the three adapters and their registry (PlatformsModule), wired to the app's ShopDirectory. Global, so
 * feature modules inject PlatformAdapterRegistry / ShopDirectory without importing it again.
 */
/** The env variables every platform-calling app validates (libs/config BaseEnv has them all). */
export interface PlatformRuntimeEnv extends RedisEnv {
  BULLMQ_PREFIX: string;
  PLATFORM_TIMEOUT_MS: number;
  PLATFORM_BREAKER_RESET_MS: number;
  PLATFORM_QPS_PER_SHOP: number;
  PLATFORM_QPS_SCOPE: QpsScope;
  PLATFORM_QPS_MAX_WAIT_MS?: number;
  PLATFORM_MAX_RESPONSE_BYTES: number;
  OUTBOUND_ALLOW_HOSTS: string;
  OUTBOUND_ALLOW_LOOPBACK: boolean;
}

@Global()
@Module({})
export class PlatformRuntimeModule {
  /**
   * forRoot from an app's validated env; the rate limiter's keys live beside the app's BullMQ keys. Pass
   * the app's OutboundPolicy when it has one (NetModule), else one is built from the same env.
   */
  static fromEnv(env: PlatformRuntimeEnv, directory: Type | DynamicModule, outbound: OutboundPolicy = platformOutboundPolicyFromEnv(env)): DynamicModule {
    return PlatformRuntimeModule.forRoot({
      redis: redisTargetFromEnv(env),
      timeoutMs: env.PLATFORM_TIMEOUT_MS,
      breakerResetMs: env.PLATFORM_BREAKER_RESET_MS,
      qpsPerShop: env.PLATFORM_QPS_PER_SHOP,
      qpsScope: env.PLATFORM_QPS_SCOPE,
      qpsMaxWaitMs: env.PLATFORM_QPS_MAX_WAIT_MS,
      rateLimitKeyPrefix: `${env.BULLMQ_PREFIX}-rl`,
      directory,
      outbound,
      maxResponseBytes: env.PLATFORM_MAX_RESPONSE_BYTES,
    });
  }

  static forRoot(o: PlatformRuntimeOptions): DynamicModule {
    const platforms = PlatformsModule.forRoot({
      http: { timeoutMs: o.timeoutMs, qpsScope: o.qpsScope, outbound: o.outbound, maxResponseBytes: o.maxResponseBytes },
      imports: [o.directory],
    });
    return {
      module: PlatformRuntimeModule,
      imports: [
        ResilienceModule.forRoot({
          breaker: { requestTimeoutMs: o.timeoutMs, resetTimeoutMs: o.breakerResetMs },
          rateLimit: { redis: o.redis, defaultQps: o.qpsPerShop, qpsFor: platformQpsFor(o.qpsPerShop), keyPrefix: o.rateLimitKeyPrefix, maxWaitMs: o.qpsMaxWaitMs },
        }),
        o.directory,
        platforms,
      ],
      exports: [o.directory, platforms],
    };
  }
}
