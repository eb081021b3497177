import { type DynamicModule, Global, Module, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit, Inject, Injectable } from '@nestjs/common';
import type { RedisConfig } from '@app/contracts';
// files, not the @app/observability barrel: it reaches @app/config, whose env reads @app/platforms, which uses this lib
import { addBreakerStateSource } from '@app/observability/metrics/catalogue';
import { createRedisClient, type RedisClient } from '@app/observability/redis/redis-client';
import { BreakerRegistry, type BreakerOptions } from './breaker-registry';
import { RedisRateLimiter, type RateLimiterOptions } from './redis-rate-limiter';
import { UsageMeter } from './usage-meter';

export interface ResilienceModuleOptions {
  breaker: BreakerOptions;
  rateLimit: RateLimiterOptions & { redis: RedisConfig };
}

export const RESILIENCE_REDIS = Symbol('RESILIENCE_REDIS');

@Injectable()
class ResilienceRedisCloser implements OnApplicationShutdown {
  constructor(
    @Inject(RESILIENCE_REDIS) private readonly redis: RedisClient,
    private readonly meter: UsageMeter,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.meter.close();
    if (this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Exports every breaker's state as omnisync_circuit_breakers_open{upstream} when /metrics is scraped. */
@Injectable()
class BreakerMetrics implements OnModuleInit, OnModuleDestroy {
  private off: (() => void) | null = null;
  constructor(private readonly breakers: BreakerRegistry) {}
  onModuleInit(): void {
    this.off = addBreakerStateSource((gauge) => {
      for (const [upstream, open] of this.breakers.openCounts()) gauge.set({ upstream }, open);
    });
  }
  onModuleDestroy(): void {
    this.off?.();
  }
}

/** Global: one BreakerRegistry, one RedisRateLimiter and its UsageMeter per process. */
@Global()
@Module({})
export class ResilienceModule {
  static forRoot(options: ResilienceModuleOptions): DynamicModule {
    return {
      module: ResilienceModule,
      providers: [
        {
          provide: RESILIENCE_REDIS,
          // the platform QPS limiter's client: its errors are logged once per outage (a Redis restart used to print
          // "[ioredis] Unhandled error event" here)
          useFactory: () => createRedisClient(options.rateLimit.redis, { connectionName: 'omnisync-rate-limiter', maxRetriesPerRequest: 2 }),
        },
        { provide: BreakerRegistry, useFactory: () => new BreakerRegistry(options.breaker) },
        // quota use per API and shop (granted / refused calls, order reads), beside the limiter's own keys
        { provide: UsageMeter, useFactory: (redis: RedisClient) => new UsageMeter(redis, options.rateLimit.keyPrefix ?? 'omnisync-qps'), inject: [RESILIENCE_REDIS] },
        {
          provide: RedisRateLimiter,
          useFactory: (redis: RedisClient, meter: UsageMeter) => new RedisRateLimiter(redis, options.rateLimit, meter),
          inject: [RESILIENCE_REDIS, UsageMeter],
        },
        ResilienceRedisCloser,
        BreakerMetrics,
      ],
      exports: [BreakerRegistry, RedisRateLimiter, UsageMeter],
    };
  }
}
