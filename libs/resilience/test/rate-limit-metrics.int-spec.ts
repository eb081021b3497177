import { Redis } from 'ioredis';
import { appMetrics, metricsRegistry } from '@app/observability';
import { testPrefix } from '@app/testing';
import { RedisRateLimiter } from '../src/redis-rate-limiter';

/** omnisync_rate_limit_waits_total / omnisync_rate_limit_wait_seconds_total from the real limiter on the real Redis */
describe('rate-limit metrics', () => {
  const prefix = testPrefix('rlm');
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    metricsRegistry.resetMetrics();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  const value = async (name: string, labels: Record<string, string>): Promise<number> => {
    const m = (await metricsRegistry.getSingleMetric(name)?.get())?.values ?? [];
    return m.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
  };

  it('counts a call that waited for its slot, the seconds it waited, and a refusal, by upstream', async () => {
    const m = appMetrics();
    expect(m.rateLimitWaits).toBeDefined();
    // 5 calls/s, burst 1: the first goes at once, the second waits ~200 ms, the third (wait 400 ms > 300 ms) is refused
    const limiter = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 5, maxWaitMs: 300, burstFor: () => 1 });
    const key = 'douyin:shop-1:order.orderDetail';
    await limiter.acquire(key);
    expect(await value('omnisync_rate_limit_waits_total', { upstream: 'douyin' })).toBe(0);
    const outcomes = await Promise.all([limiter.acquire(key).then(() => 'ok'), limiter.acquire(key).then(() => 'ok', () => 'refused')]);
    expect(outcomes.sort()).toEqual(['ok', 'refused']);
    expect(await value('omnisync_rate_limit_waits_total', { upstream: 'douyin', outcome: 'waited' })).toBe(1);
    expect(await value('omnisync_rate_limit_waits_total', { upstream: 'douyin', outcome: 'refused' })).toBe(1);
    const waited = await value('omnisync_rate_limit_wait_seconds_total', { upstream: 'douyin' });
    expect(waited).toBeGreaterThan(0.1);
    expect(waited).toBeLessThanOrEqual(0.3);
  });
});
