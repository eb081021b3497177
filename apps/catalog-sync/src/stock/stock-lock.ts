import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@app/observability';

/** DI token: the feature's own Redis connection (SKU limiter, push locks). */
export const STOCK_REDIS = Symbol('STOCK_REDIS');

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One push at a time per (SKU, shop) across workers: a sync job that finds the key taken waits instead
 * (two concurrent deltas would both apply). The TTL frees a lock left by a crashed worker.
 */
export class StockPushLock {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlMs = 30_000,
  ) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const token = randomUUID();
    const k = `${this.prefix}:${key}`;
    if ((await this.redis.set(k, token, 'PX', this.ttlMs, 'NX')) !== 'OK') return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await this.redis.eval(RELEASE, 1, k, token);
    }
  }
}
