import Redis from 'ioredis';
import { testPrefix } from '@app/testing';
import { RateLimitService, type RateLimitOptions } from '../../src/limits/rate-limit.service';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe(RateLimitService.name, () => {
  const made: RateLimitService[] = [];
  const make = async (over: Partial<RateLimitOptions> = {}) => {
    const sut = new RateLimitService({ redis: REDIS_URL, prefix: testPrefix('rl'), windowSec: 30, perKey: 3, perMerchant: 5, webhookPerIp: 2, ...over });
    made.push(sut);
    await sut.onModuleInit(1000);
    return sut;
  };
  afterAll(() => made.forEach((s) => s.onModuleDestroy()));

  it('admits a key up to its limit in the window, then refuses it with the time left', async () => {
    const sut = await make();
    for (let i = 0; i < 3; i++) expect(await sut.admitKey('osk_key_one')).toEqual({ ok: true });
    const refused = await sut.admitKey('osk_key_one');
    expect(refused).toMatchObject({ ok: false, scope: 'key', limit: 3, windowSec: 30 });
    expect(refused.ok === false && refused.retryAfterSec).toBeGreaterThanOrEqual(29);
    expect(refused.ok === false && refused.retryAfterSec).toBeLessThanOrEqual(30);
    // another key is counted apart
    expect(await sut.admitKey('osk_key_two')).toEqual({ ok: true });
  });

  it('counts merchants and webhook sources apart from keys', async () => {
    const sut = await make();
    for (let i = 0; i < 5; i++) expect((await sut.admitMerchant('m-1')).ok).toBe(true);
    expect(await sut.admitMerchant('m-1')).toMatchObject({ ok: false, scope: 'merchant', limit: 5 });
    expect((await sut.admitMerchant('m-2')).ok).toBe(true);
    expect((await sut.admitWebhook('douyin', '10.0.0.1')).ok).toBe(true);
    expect((await sut.admitWebhook('douyin', '10.0.0.1')).ok).toBe(true);
    expect(await sut.admitWebhook('douyin', '10.0.0.1')).toMatchObject({ ok: false, scope: 'webhook' });
    expect((await sut.admitWebhook('xiaohongshu', '10.0.0.1')).ok).toBe(true);
  });

  it('counts pushes in the instance (no Redis command before a push): a second instance has its own count', async () => {
    const prefix = testPrefix('rl-webhook');
    const one = await make({ prefix });
    const two = await make({ prefix });
    const redis = new Redis(REDIS_URL);
    try {
      expect((await one.admitWebhook('douyin', '10.0.0.9')).ok).toBe(true);
      expect((await one.admitWebhook('douyin', '10.0.0.9')).ok).toBe(true);
      expect((await one.admitWebhook('douyin', '10.0.0.9')).ok).toBe(false);
      expect((await two.admitWebhook('douyin', '10.0.0.9')).ok).toBe(true);
      expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('shares the counts between gateway instances of one deployment (same prefix), not across prefixes', async () => {
    const prefix = testPrefix('rl-shared');
    const one = await make({ prefix });
    const two = await make({ prefix });
    const elsewhere = await make();
    expect((await one.admitKey('osk_shared')).ok).toBe(true);
    expect((await two.admitKey('osk_shared')).ok).toBe(true);
    expect((await one.admitKey('osk_shared')).ok).toBe(true);
    expect((await two.admitKey('osk_shared')).ok).toBe(false);
    expect((await elsewhere.admitKey('osk_shared')).ok).toBe(true);
  });

  it('keeps no API key in Redis: only a digest names the counter', async () => {
    const prefix = testPrefix('rl-digest');
    const sut = await make({ prefix });
    const secret = `osk_deadbeef_${'ab'.repeat(32)}`;
    await sut.admitKey(secret);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain('deadbeef');
      expect(keys[0]).not.toContain('abab');
    } finally {
      redis.disconnect();
    }
  });

  it('falls back to per-instance limits when Redis is unreachable, still refusing over the limit', async () => {
    const sut = await make({ redis: 'redis://127.0.0.1:1' });
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await sut.admitKey('osk_offline')).ok);
    expect(results).toEqual([true, true, true, false]);
  });
});
