/** A real local Redis Cluster of a test's own: the launcher lives in libs/sandbox (benches use it too). */
export { startOwnRedisCluster, type OwnRedisCluster } from '@app/sandbox/local-redis-cluster';

/**
 * The committed base of the clusters tests start (issue 12 item 1's range starts here). Offsets in use: 0 this
 * helper's own spec, 10-17 redis-modes (cluster + a sentinel), 20 scripts-on-cluster, 100 + 10 x jest worker id
 * the e2e systems (OMNISYNC_REDIS_MODE=cluster, the failover e2e).
 */
export const TEST_CLUSTER_BASE_PORT = 26000;

/**
 * The base port of one spec's own cluster: OMNISYNC_TEST_CLUSTER_PORT (default TEST_CLUSTER_BASE_PORT) plus the
 * spec's `offset` (0, 10, 20, ...: jest runs specs side by side, each needs its own six ports). The variable
 * moves every spec's cluster at once, so a developer's run and a full test run on one machine do not collide.
 */
export function testClusterBasePort(offset = 0): number {
  const v = process.env.OMNISYNC_TEST_CLUSTER_PORT;
  const base = v ? Number(v) : TEST_CLUSTER_BASE_PORT;
  if (!Number.isInteger(base) || base < 1024 || base > 65000) throw new Error(`OMNISYNC_TEST_CLUSTER_PORT must be a port number 1024-65000, got "${v}"`);
  return base + offset;
}
