import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { UpstreamError } from '@app/contracts';

export interface RateLimiterOptions {
  /** Redis key prefix; tests use a unique one */
  keyPrefix?: string;
  /** permitted calls per second for a key unless qpsFor says otherwise */
  defaultQps: number;
  /** per-key QPS (e.g. by platform: key `douyin:<shopId>`); undefined = defaultQps */
  qpsFor?: (key: string) => number | undefined;
  /** a call may wait this long for a slot before it is rejected (default 200 ms) */
  maxWaitMs?: number;
}

function isLimiterRes(e: unknown): e is RateLimiterRes {
  return e instanceof RateLimiterRes;
}

/**
 * Per-key QPS limit shared by every process through Redis (fixed 1-second windows).
 * `acquire(key)` resolves when the call may go now, waits a short bounded time when a slot frees up
 * soon, and otherwise throws UpstreamError('rate_limited', retryAfterMs) — never a long silent wait.
 */
export class RedisRateLimiter {
  private readonly limiters = new Map<number, RateLimiterRedis>();
  private readonly maxWaitMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RateLimiterOptions,
  ) {
    this.maxWaitMs = opts.maxWaitMs ?? 200;
  }

  async acquire(key: string): Promise<void> {
    const qps = this.opts.qpsFor?.(key) ?? this.opts.defaultQps;
    const limiter = this.limiterFor(qps);
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      try {
        await limiter.consume(key, 1);
        return;
      } catch (e) {
        if (!isLimiterRes(e)) {
          throw new UpstreamError('rate-limiter', 'retryable', `rate limiter store failed: ${(e as Error)?.message ?? String(e)}`);
        }
        const wait = Math.max(e.msBeforeNext, 1);
        if (Date.now() + wait > deadline) {
          throw new UpstreamError(upstreamOf(key), 'rate_limited', `local QPS limit ${qps}/s reached for ${key}`, { retryAfterMs: wait });
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private limiterFor(qps: number): RateLimiterRedis {
    let l = this.limiters.get(qps);
    if (!l) {
      l = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.opts.keyPrefix ?? 'omnisync-qps'}:${qps}`,
        points: qps,
        duration: 1,
      });
      this.limiters.set(qps, l);
    }
    return l;
  }
}

function upstreamOf(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i);
}
