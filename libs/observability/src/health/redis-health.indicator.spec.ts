import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisHealthIndicator, readMaxmemoryPolicy, type RedisProbe } from './redis-health.indicator';

function fakeRedis(opts: { policy?: string; configDisabled?: boolean; pingFails?: boolean }): RedisProbe {
  return {
    ping: async () => {
      if (opts.pingFails) throw new Error('Connection is closed.');
      return 'PONG';
    },
    config: async () => {
      if (opts.configDisabled) throw new Error("ERR unknown command 'CONFIG'");
      return ['maxmemory-policy', opts.policy ?? 'noeviction'];
    },
    info: async () => `# Memory\r\nused_memory:1000\r\nmaxmemory_policy:${opts.policy ?? 'noeviction'}\r\n`,
  };
}

describe(RedisHealthIndicator.name, () => {
  const sut = new RedisHealthIndicator(new HealthIndicatorService());

  it('is up when the policy is noeviction', async () => {
    expect(await sut.check('redis', fakeRedis({ policy: 'noeviction' }))).toEqual({
      redis: { status: 'up', maxmemoryPolicy: 'noeviction' },
    });
  });

  it('refuses readiness when the policy evicts keys', async () => {
    const r = await sut.check('redis', fakeRedis({ policy: 'allkeys-lru' }));
    expect(r.redis.status).toBe('down');
    expect(r.redis).toMatchObject({ maxmemoryPolicy: 'allkeys-lru' });
    expect(String((r.redis as { message?: string }).message)).toContain('noeviction');
  });

  it('falls back to INFO memory when CONFIG is disabled', async () => {
    await expect(readMaxmemoryPolicy(fakeRedis({ configDisabled: true, policy: 'volatile-lru' }))).resolves.toBe('volatile-lru');
    const r = await sut.check('redis', fakeRedis({ configDisabled: true, policy: 'volatile-lru' }));
    expect(r.redis.status).toBe('down');
  });

  it('is down when Redis does not answer', async () => {
    const r = await sut.check('redis', fakeRedis({ pingFails: true }));
    expect(r.redis).toMatchObject({ status: 'down', message: 'Connection is closed.' });
  });
});
