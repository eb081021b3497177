import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { createProbeRedisClient, type RedisClient } from '../redis/redis-client';
import { DatabaseHealthIndicator } from './database-health.indicator';
import { HealthController } from './health.controller';
import { HEALTH_OPTIONS, type HealthModuleOptions } from './health.options';
import { HEALTH_REDIS, RedisHealthIndicator } from './redis-health.indicator';

class HealthRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(HEALTH_REDIS) private readonly redis: RedisClient) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** GET /health/live and GET /health/ready (terminus), public routes. */
@Module({})
export class HealthModule {
  static forRoot(opts: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
      controllers: [HealthController],
      providers: [
        { provide: HEALTH_OPTIONS, useValue: opts },
        {
          provide: HEALTH_REDIS,
          // fail fast: a health probe must answer "down", not queue commands until Redis returns, nor wait
          // for a frozen Redis (command timeout)
          useFactory: () => createProbeRedisClient(opts.redis, 'omnisync-health'),
        },
        HealthRedisCloser,
        DatabaseHealthIndicator,
        RedisHealthIndicator,
      ],
    };
  }
}
