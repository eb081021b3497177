import { IsBoolean } from 'class-validator';
import { redisTargetFromEnv } from '@app/contracts';
import { platformRegistry } from '@app/platforms';
import { BaseEnv } from './base.env';
import { bootstrap } from './bootstrap';
import { ToBoolean } from './transforms';
import { ConfigValidationError, loadEnv } from './validate-env';

class SampleEnv extends BaseEnv {
  override PORT = 3009;
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  FEATURE_ENABLED: boolean = true;
}

const KEY = 'ab'.repeat(32);
const ISS = 'internal-service-secret-for-this-test-0123';

function errorOf(fn: () => unknown): ConfigValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigValidationError) return e;
    throw e;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('loadEnv', () => {
  it('applies defaults and parses numbers when everything required is set', () => {
    const env = loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, SHUTDOWN_GRACE_MS: '1500' });
    expect(env.PORT).toBe(3009);
    expect(env.SHUTDOWN_GRACE_MS).toBe(1500);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/omnisync');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.BULLMQ_PREFIX).toBe('omnisync');
    expect(env.FEATURE_ENABLED).toBe(true);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('parses boolean %p as %p', (raw, expected) => {
    expect(loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, FEATURE_ENABLED: raw }).FEATURE_ENABLED).toBe(expected);
  });

  it('PLATFORM_QPS_MAX_WAIT_MS: 200 ms by default; a value out of range is named', () => {
    expect(loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS }).PLATFORM_QPS_MAX_WAIT_MS).toBe(200);
    expect(loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, PLATFORM_QPS_MAX_WAIT_MS: '0' }).PLATFORM_QPS_MAX_WAIT_MS).toBe(0);
    for (const bad of ['-1', '10001', 'soon']) {
      const err = errorOf(() => loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, PLATFORM_QPS_MAX_WAIT_MS: bad }));
      expect(err.problems.map((p) => p.variable)).toEqual(['PLATFORM_QPS_MAX_WAIT_MS']);
    }
  });

  it('reads the outbound policy allowances (strict by default) and names a malformed entry', () => {
    const strict = loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS });
    expect(strict.OUTBOUND_ALLOW_HOSTS).toBe('');
    expect(strict.OUTBOUND_ALLOW_LOOPBACK).toBe(false);
    const demo = loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, OUTBOUND_ALLOW_HOSTS: '127.0.0.1:4101, [::1]:4104,sim.local', OUTBOUND_ALLOW_LOOPBACK: 'true' });
    expect(demo.OUTBOUND_ALLOW_HOSTS).toBe('127.0.0.1:4101, [::1]:4104,sim.local');
    expect(demo.OUTBOUND_ALLOW_LOOPBACK).toBe(true);
    const err = errorOf(() => loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, OUTBOUND_ALLOW_HOSTS: '127.0.0.1:4101,http://169.254.169.254/' }));
    expect(err.problems.map((p) => p.variable)).toEqual(['OUTBOUND_ALLOW_HOSTS']);
    expect(err.message).toMatch(/OUTBOUND_ALLOW_HOSTS: must be comma-separated host or host:port entries/);
  });

  it('names a missing SECRETS_KEY and says what it must be', () => {
    const err = errorOf(() => loadEnv(SampleEnv, {}, { app: 'sample' }));
    expect(err.message).toMatch(/^sample: invalid configuration/);
    expect(err.message).toMatch(/SECRETS_KEY: .*64 hex characters/);
  });

  it('lists every bad variable in one error, without echoing values', () => {
    const err = errorOf(() =>
      loadEnv(SampleEnv, { SECRETS_KEY: 'nothex-secret-value', INTERNAL_SERVICE_SECRET: ISS, PORT: 'abc', FEATURE_ENABLED: 'maybe', REDIS_URL: 'http://x' }),
    );
    expect(err.problems.map((p) => p.variable)).toEqual(['FEATURE_ENABLED', 'PORT', 'REDIS_URL', 'SECRETS_KEY']);
    expect(err.message).toMatch(/PORT: [^|]*must be an integer port number/);
    expect(err.message).toContain('FEATURE_ENABLED: must be true or false');
    expect(err.message).not.toContain('nothex-secret-value');
    expect(err.message).not.toContain('\n');
  });

  it('requires INTERNAL_SERVICE_SECRET of at least 32 characters, and defaults BIND_HOST to loopback', () => {
    expect(errorOf(() => loadEnv(SampleEnv, { SECRETS_KEY: KEY })).message).toMatch(/INTERNAL_SERVICE_SECRET: .*32 characters/);
    const short = errorOf(() => loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: 'short-secret-value' }));
    expect(short.problems.map((p) => p.variable)).toEqual(['INTERNAL_SERVICE_SECRET']);
    expect(short.message).not.toContain('short-secret-value');
    expect(loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS }).BIND_HOST).toBe('127.0.0.1');
  });

  it('checks the operator platform settings: base URLs and PLATFORM_APPS, naming the bad entry, never its secret', () => {
    const ok = loadEnv(SampleEnv, {
      SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS,
      PLATFORM_BASE_URL_DOUYIN: 'http://127.0.0.1:4101',
      PLATFORM_APPS: JSON.stringify([{ platform: 'douyin', appKey: 'isv-1', appSecret: 'isv-secret-1' }]),
    });
    expect(ok.PLATFORM_BASE_URL_DOUYIN).toBe('http://127.0.0.1:4101');
    const err = errorOf(() =>
      loadEnv(SampleEnv, {
        SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS,
        PLATFORM_BASE_URL_TAOBAO: 'eco.taobao.com',
        PLATFORM_APPS: JSON.stringify([{ platform: 'douyin', appKey: 'isv-1', appSecret: 'top-secret-value' }, { platform: 'jd', appKey: 'x', appSecret: 'y' }]),
      }),
    );
    expect(err.problems).toEqual([
      { variable: 'PLATFORM_APPS', problems: [`entry 1: platform must be one of ${platformRegistry.names().join(', ')}`] },
      { variable: 'PLATFORM_BASE_URL_TAOBAO', problems: ['must be an http(s) URL'] },
    ]);
    expect(err.message).not.toContain('top-secret-value');
    expect(errorOf(() => loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, PLATFORM_APPS: '{"platform":"douyin"}' })).problems).toEqual([
      { variable: 'PLATFORM_APPS', problems: ['must be a JSON array of {platform, appKey, appSecret}'] },
    ]);
  });

  describe('Redis mode (REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS)', () => {
    const base = { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS };

    it('reads a single server, a cluster node list and a Sentinel set into one RedisTarget', () => {
      expect(redisTargetFromEnv(loadEnv(SampleEnv, base))).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' });
      const cluster = loadEnv(SampleEnv, { ...base, REDIS_CLUSTER_NODES: 'redis-0:7000, redis-1:7001,[::1]:7002', REDIS_PASSWORD: 'pw' });
      expect(redisTargetFromEnv(cluster)).toEqual({
        mode: 'cluster',
        nodes: [
          { host: 'redis-0', port: 7000 },
          { host: 'redis-1', port: 7001 },
          { host: '::1', port: 7002 },
        ],
        password: 'pw',
      });
      const sentinel = loadEnv(SampleEnv, { ...base, REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'mymaster', REDIS_SENTINEL_PASSWORD: 'sp', REDIS_TLS: 'true' });
      expect(redisTargetFromEnv(sentinel)).toEqual({
        mode: 'sentinel',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
        name: 'mymaster',
        sentinelPassword: 'sp',
        tls: true,
      });
    });

    it.each([
      ['a node without a port', { REDIS_CLUSTER_NODES: 'redis-0:7000,redis-1' }, 'REDIS_CLUSTER_NODES', /"redis-1" is not host:port/],
      ['a port out of range', { REDIS_CLUSTER_NODES: 'redis-0:70000' }, 'REDIS_CLUSTER_NODES', /port 1-65535/],
      ['a URL instead of host:port', { REDIS_SENTINELS: 'redis://s1:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS', /not host:port/],
      ['sentinels without a master name', { REDIS_SENTINELS: 's1:26379' }, 'REDIS_SENTINEL_NAME', /required with REDIS_SENTINELS/],
      ['both a cluster and sentinels', { REDIS_CLUSTER_NODES: 'c:7000', REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS', /together with REDIS_CLUSTER_NODES/],
      ['a TLS flag that is not a boolean', { REDIS_CLUSTER_NODES: 'c:7000', REDIS_TLS: 'yes please' }, 'REDIS_TLS', /true or false/],
    ])('refuses %s at start-up, naming the variable', (_case, vars, variable, message) => {
      const err = errorOf(() => loadEnv(SampleEnv, { ...base, ...vars }));
      const p = err.problems.find((x) => x.variable === variable);
      expect(p?.problems.join('; ')).toMatch(message);
      expect(err.message).toContain(variable);
    });
  });

  it('treats an empty string as unset (default applies)', () => {
    expect(loadEnv(SampleEnv, { SECRETS_KEY: KEY, INTERNAL_SERVICE_SECRET: ISS, PORT: '' }).PORT).toBe(3009);
  });
});

describe('bootstrap', () => {
  it('prints the failure as one line and exits 1', async () => {
    const lines: string[] = [];
    const exit = jest.fn();
    await bootstrap(
      async () => {
        loadEnv(SampleEnv, {}, { app: 'sample' });
      },
      { exit, write: (l) => lines.push(l) },
    );
    expect(exit).toHaveBeenCalledWith(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^startup failed: sample: invalid configuration .*SECRETS_KEY/);
    expect(lines[0]).not.toMatch(/\n|at .*\.ts:\d+/);
  });

  it('does not exit when main succeeds', async () => {
    const exit = jest.fn();
    await bootstrap(async () => 'ok', { exit, write: () => undefined });
    expect(exit).not.toHaveBeenCalled();
  });
});
