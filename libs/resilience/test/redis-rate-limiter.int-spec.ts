import { Redis } from 'ioredis';
import { UpstreamError } from '@app/contracts';
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

  it('allows up to the QPS limit, then rejects with rate_limited and a retryAfterMs', async () => {
    const sut = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 3, maxWaitMs: 0 });
    for (let i = 0; i < 3; i++) await sut.acquire('douyin:s1');
    const err = await sut.acquire('douyin:s1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'rate_limited', upstream: 'douyin' });
    expect((err as UpstreamError).retryAfterMs).toBeGreaterThan(0);
    expect((err as UpstreamError).retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it('shares the budget across limiter instances (processes) through Redis', async () => {
    const a = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 2, maxWaitMs: 0 });
    const b = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 2, maxWaitMs: 0 });
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
