import { Redis } from 'ioredis';
import { UpstreamError, describeError, isOwnQuotaLimit } from '@app/contracts';
import { randomBytes } from 'node:crypto';
import { RedisRateLimiter } from '@app/resilience';

describe(RedisRateLimiter.name, () => {
  let redis: Redis;
  let prefix: string;
  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379');
  });
  beforeEach(() => {
    prefix = `rl-${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('lets a burst go at once, then rejects with rate_limited and the wait for the next slot', async () => {
    const sut = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 3, maxWaitMs: 0, burstFor: () => 3 });
    for (let i = 0; i < 3; i++) await sut.acquire('douyin:s1');
    const err = await sut.acquire('douyin:s1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'rate_limited', upstream: 'douyin' });
    expect((err as UpstreamError).retryAfterMs).toBeGreaterThan(0);
    expect((err as UpstreamError).retryAfterMs).toBeLessThanOrEqual(334); // one interval at 3/s
    // our own quota limiter, not the platform: stored failures say so (the SLA ledger's cause platform_quota)
    expect(isOwnQuotaLimit(err)).toBe(true);
    expect(describeError(err)).toBe('platform_quota: douyin: rate_limited: local QPS limit 3/s reached for douyin:s1');
    expect(isOwnQuotaLimit(new UpstreamError('douyin', 'rate_limited', 'isv.traffic-limited'))).toBe(false);
    expect(describeError(new UpstreamError('douyin', 'rate_limited', 'isv.traffic-limited'))).toMatch(/^rate_limited: /);
  });

  it('spaces calls evenly: never more than the rate (plus the burst) in any one-second window', async () => {
    const sut = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 20, maxWaitMs: 3000 });
    const t0 = Date.now();
    const at = await Promise.all(Array.from({ length: 50 }, () => sut.acquire('xiaohongshu:s1').then(() => Date.now() - t0)));
    at.sort((a, b) => a - b);
    // 50 calls at 20/s (burst 1): the last goes after about 49 intervals of 50 ms
    expect(at[49]).toBeGreaterThanOrEqual(2400);
    let worst = 0;
    for (let i = 0; i < at.length; i++) worst = Math.max(worst, at.filter((x) => x >= at[i] && x < at[i] + 1000).length);
    // a fixed one-second counter would let up to 40 through around a window boundary
    expect(worst).toBeLessThanOrEqual(21);
  });

  it('shares the budget across limiter instances (processes) through Redis', async () => {
    const a = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 2, maxWaitMs: 0, burstFor: () => 2 });
    const b = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 2, maxWaitMs: 0, burstFor: () => 2 });
    await a.acquire('taobao:s1');
    await b.acquire('taobao:s1');
    await expect(a.acquire('taobao:s1')).rejects.toMatchObject({ kind: 'rate_limited' });
    await expect(b.acquire('taobao:s2')).resolves.toBeUndefined();
  });

  it('applies per-key limits from qpsFor', async () => {
    const sut = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 100, maxWaitMs: 0, qpsFor: (k) => (k.startsWith('xiaohongshu:') ? 1 : undefined) });
    await sut.acquire('xiaohongshu:s1');
    await expect(sut.acquire('xiaohongshu:s1')).rejects.toMatchObject({ kind: 'rate_limited' });
    for (let i = 0; i < 5; i++) await sut.acquire('douyin:s1');
  });

  it('waits a short bounded time for the next window instead of failing', async () => {
    const sut = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 1, maxWaitMs: 1500 });
    await sut.acquire('douyin:s1');
    const started = Date.now();
    await sut.acquire('douyin:s1');
    expect(Date.now() - started).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThanOrEqual(1500);
  });
});
