import { Cluster } from 'ioredis';
import { startOwnRedisCluster, testClusterBasePort, type OwnRedisCluster } from './own-redis-cluster';

// ports 26000–26005: this helper's range (issue 12 item 1); OMNISYNC_TEST_CLUSTER_PORT moves it
describe('startOwnRedisCluster', () => {
  let cluster: OwnRedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startOwnRedisCluster(testClusterBasePort(0));
    client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
    });
  }, 30_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('is a real 3-master/3-replica cluster, and keys sharing a hash tag share a slot in a Lua script', async () => {
    const nodes = (await client.cluster('NODES')) as string;
    const lines = nodes.trim().split('\n');
    expect(lines.filter((l) => l.includes('master')).length).toBe(3);
    expect(lines.filter((l) => l.includes('slave')).length).toBe(3);
    await expect(client.eval("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('SET', KEYS[2], ARGV[1])", 2, '{t}a', '{t}b', 'v')).resolves.toBe('OK');
    expect(await client.get('{t}b')).toBe('v');
    // without a shared tag the same script is refused — the failure production would meet
    await expect(client.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, 'a', 'b')).rejects.toThrow(/CROSSSLOT|slot/i);
  });
});
