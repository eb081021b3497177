import { HealthIndicatorService } from '@nestjs/terminus';
import { startOwnRedisCluster, testClusterBasePort, type OwnRedisCluster } from '@app/testing/own-redis-cluster';
import { startOwnRedisSentinel, type OwnRedisSentinel } from '@app/testing/own-redis-sentinel';
import { createProbeRedisClient, createRedisClient, type RedisClient } from '../src/redis/redis-client';
import { RedisHealthIndicator } from '../src/health/redis-health.indicator';
import { checkRedis } from '../src/health/preflight';

/** cluster: OMNISYNC_TEST_CLUSTER_PORT + 10 (six ports); sentinel: the two after it */
const CLUSTER_OFFSET = 10;

/** createRedisClient and the health probe against a real Redis Cluster and a real Sentinel-managed master */
describe('Redis modes', () => {
  let cluster: OwnRedisCluster;
  let sentinel: OwnRedisSentinel;
  const clients: RedisClient[] = [];
  const track = <T extends RedisClient>(c: T): T => (clients.push(c), c);
  const indicator = new RedisHealthIndicator(new HealthIndicatorService());
  // a probe client queues nothing: its first command before the connection is up is refused (as for one server)
  const ready = (c: RedisClient): Promise<void> => (c.status === 'ready' ? Promise.resolve() : new Promise((r) => c.once('ready', () => r())));

  beforeAll(async () => {
    const base = testClusterBasePort(CLUSTER_OFFSET);
    [cluster, sentinel] = await Promise.all([startOwnRedisCluster(base), startOwnRedisSentinel(base + 6)]);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all([cluster?.stop(), sentinel?.stop()]);
  });

  it('cluster: one client reaches keys in every slot, and the readiness check asks every master', async () => {
    const sut = track(createRedisClient(cluster.target, { connectionName: 'modes-cluster', maxRetriesPerRequest: 2 }));
    // keys spread over the three masters
    const keys = Array.from({ length: 30 }, (_, i) => `modes-k${i}`);
    for (const k of keys) await sut.set(k, k);
    expect(await Promise.all(keys.map((k) => sut.get(k)))).toEqual(keys);
    const probe = track(createProbeRedisClient(cluster.target, 'modes-cluster-health'));
    await ready(probe);
    const up = await indicator.check('redis', probe);
    expect(up).toEqual({ redis: { status: 'up', maxmemoryPolicy: 'noeviction', masters: 3 } });
    // one master with an evicting policy: not ready (that master's keys could vanish)
    const { masters } = cluster.topology();
    const one = track(createRedisClient({ mode: 'single', url: `redis://127.0.0.1:${masters[1]}` }, { connectionName: 'modes-one' }));
    await one.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const down = await indicator.check('redis', probe);
      expect(down.redis.status).toBe('down');
      expect(down.redis.maxmemoryPolicy).toBe('allkeys-lru');
    } finally {
      await one.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('sentinel: the client finds the master through the sentinel', async () => {
    const sut = track(createRedisClient(sentinel.target, { connectionName: 'modes-sentinel', maxRetriesPerRequest: 2 }));
    await sut.set('modes-s', 'v');
    expect(await sut.get('modes-s')).toBe('v');
    const direct = track(createRedisClient(`redis://127.0.0.1:${sentinel.masterPort}`, { connectionName: 'modes-direct' }));
    expect(await direct.get('modes-s')).toBe('v');
    const probe = track(createProbeRedisClient(sentinel.target, 'modes-sentinel-health'));
    await ready(probe);
    expect((await indicator.check('redis', probe)).redis.status).toBe('up');
  });

  it('preflight names the cluster and the variable to fix when no node answers', async () => {
    await expect(checkRedis({ mode: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }] }, 1000)).rejects.toThrow(/Redis Cluster 127\.0\.0\.1:1 unreachable.*REDIS_CLUSTER_NODES/);
  });
});
