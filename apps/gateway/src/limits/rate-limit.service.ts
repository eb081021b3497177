import { createHash } from 'node:crypto';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { RedisConfig } from '@app/contracts';
import { createRedisClient, type RedisClient } from '@app/observability';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export type LimitScope = 'key' | 'merchant' | 'webhook';

export type Admission = { ok: true } | { ok: false; scope: LimitScope; limit: number; windowSec: number; retryAfterSec: number };

export interface RateLimitOptions {
  redis: RedisConfig;
  /** Redis key prefix (the deployment's BULLMQ_PREFIX): every gateway instance of a deployment shares the counts */
  prefix: string;
  windowSec: number;
  perKey: number;
  perMerchant: number;
  webhookPerIp: number;
}

/**
 * Fixed-window request counts in Redis (rate-limiter-flexible: one atomic INCR+PEXPIRE per request, shared
 * by every gateway instance). A key that went over is then refused from memory until its window ends
 * (`inMemoryBlockOnConsumed`), so a flood costs the other merchants neither Redis nor Postgres round trips.
 * If Redis is unreachable each instance falls back to the same limits in its own memory (insurance limiter).
 */
@Injectable()
export class RateLimitService implements OnModuleInit, OnModuleDestroy {
  private readonly redis: RedisClient;
  private readonly limiters: Record<LimitScope, { limiter: RateLimiterAbstract; points: number }>;

  constructor(private readonly opts: RateLimitOptions) {
    // errors also surface as rejected consumes (-> insurance limiter)
    this.redis = createRedisClient(opts.redis, { connectionName: 'omnisync-gateway-limits', enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const make = (scope: LimitScope, points: number) => ({
      points,
      limiter: new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${opts.prefix}:rl:${scope}`,
        points,
        duration: opts.windowSec,
        inMemoryBlockOnConsumed: points + 1,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `rl-mem-${scope}`, points, duration: opts.windowSec }),
      }),
    });
    this.limiters = {
      key: make('key', opts.perKey),
      merchant: make('merchant', opts.perMerchant),
      // Pushes are counted in this instance's memory, not in Redis: they carry no key or merchant to share a
      // budget across instances, the limit protects this instance's own CPU from one source, and a Redis round
      // trip before every push of a flash sale would be the order path's most frequent Redis command (measured
      // in bench:orders: 8 % of the gateway's CPU and one RTT added to every push). N instances behind a load
      // balancer admit up to N x the limit per source.
      webhook: { points: opts.webhookPerIp, limiter: new RateLimiterMemory({ keyPrefix: 'rl-webhook', points: opts.webhookPerIp, duration: opts.windowSec }) },
    };
  }

  /**
   * Per API key, before the key is looked up: counted under a digest of the presented key, so a flood of
   * one key (valid or not) is refused without a database query. Never the key itself in Redis.
   */
  admitKey(rawKey: string): Promise<Admission> {
    return this.consume('key', createHash('sha256').update(rawKey).digest('base64url').slice(0, 32));
  }

  /** Per merchant, over all its keys, after authentication. */
  admitMerchant(merchantId: string): Promise<Admission> {
    return this.consume('merchant', merchantId);
  }

  /** Platform pushes: per platform and source address, per gateway instance (in memory, see the constructor). */
  admitWebhook(platform: string, ip: string): Promise<Admission> {
    return this.consume('webhook', `${platform}:${ip}`);
  }

  private async consume(scope: LimitScope, key: string): Promise<Admission> {
    const { limiter, points } = this.limiters[scope];
    try {
      await limiter.consume(key);
      return { ok: true };
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      return { ok: false, scope, limit: points, windowSec: this.opts.windowSec, retryAfterSec: Math.max(1, Math.ceil(e.msBeforeNext / 1000)) };
    }
  }

  /** Waits (bounded) for the Redis connection, so the first requests are counted in Redis rather than in memory. */
  async onModuleInit(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.redis.once('ready', done);
    });
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

/** The 429 message for an admission that was refused. */
export function limitMessage(a: Extract<Admission, { ok: false }>): string {
  const who = a.scope === 'key' ? 'this API key' : a.scope === 'merchant' ? 'this merchant' : 'this platform and source address';
  return `rate limit exceeded: at most ${a.limit} requests per ${a.windowSec} s for ${who}; retry after ${a.retryAfterSec} s`;
}
