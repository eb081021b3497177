import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { PublicRoute } from '../public-route';
import { DatabaseHealthIndicator } from './database-health.indicator';
import { HEALTH_OPTIONS, type HealthModuleOptions } from './health.options';
import { HEALTH_REDIS, RedisHealthIndicator, type RedisProbe } from './redis-health.indicator';

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
    private readonly redisIndicator: RedisHealthIndicator,
    @Inject(HEALTH_REDIS) private readonly redis: RedisProbe,
    @Inject(HEALTH_OPTIONS) private readonly opts: HealthModuleOptions,
  ) {}

  /** Liveness: the process answers. No dependency checks (a Redis outage must not restart pods). */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Readiness: Postgres answers, Redis answers and will not evict keys. */
  @Get('ready')
  @HealthCheck()
  ready() {
    const checks: HealthIndicatorFunction[] = [() => this.redisIndicator.check('redis', this.redis)];
    if (this.opts.database !== false) checks.unshift(() => this.db.check('database'));
    return this.health.check(checks);
  }
}
