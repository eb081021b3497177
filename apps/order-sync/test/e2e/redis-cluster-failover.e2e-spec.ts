/**
 * Issue 12 item 1: a Redis Cluster master fails while orders flow, and every order still reaches the ERP
 * simulator exactly once. The whole order path (sandbox → gateway → {order-events} → order-sync → {erp-push} →
 * ERP) runs on a local Redis Cluster of this test's own (three masters, three replicas); mid-run
 *  1. the master holding {order-events} is replaced by its replica with `redis-cli cluster failover` (manual,
 *     coordinated: no write is lost), then
 *  2. the master holding {erp-push} is SIGKILLed (unplanned: its replica is promoted after the node timeout,
 *     writes it had not replicated are gone; Postgres, the system of record, lets the sweeper re-enqueue).
 *     With three masters {order-events} and {erp-push} hash to the same shard, so this kills the replica just
 *     promoted in step 1 and the old master takes over again: two failovers of the shard the order path uses most.
 * Runs in both modes of scripts/test.sh (it brings its own cluster).
 */
import Redis from 'ioredis';
import type { Platform } from '@app/contracts';
import { startOwnRedisCluster, type OwnRedisCluster } from '@app/testing/own-redis-cluster';
import {
  PLATFORMS,
  duplicateErpOrders,
  e2eClusterBasePort,
  erpOrders,
  generated,
  startE2eSystem,
  tail,
  waitAllAtErp,
  waitUntil,
  type E2eSystem,
} from './support/e2e-system';

jest.setTimeout(240_000);

const RATE_PER_PLATFORM = 15;
const LOAD_MS = 14_000;

/** the port of the master serving `key`'s slot, and its replica's */
function holderOf(cluster: OwnRedisCluster, slotOwner: (port: number) => boolean): { master: number; replica: number } {
  const { masters, replicas } = cluster.topology();
  const master = masters.find(slotOwner);
  if (master === undefined) throw new Error('no master owns the slot');
  const replica = replicas.find((r) => r.masterPort === master);
  if (!replica) throw new Error(`master ${master} has no replica`);
  return { master, replica: replica.port };
}

describe('Redis Cluster failover under load', () => {
  let cluster: OwnRedisCluster;
  let e2e: E2eSystem;
  const probes: Redis[] = [];

  beforeAll(async () => {
    cluster = await startOwnRedisCluster(e2eClusterBasePort());
    // sweeper quicker than its default so rows whose job died with the killed master are re-enqueued within seconds
    e2e = await startE2eSystem({ redisCluster: cluster, orderSyncEnv: { SWEEP_INTERVAL_MS: '2000', SWEEP_STALE_AFTER_MS: '6000' } });
  }, 180_000);

  afterAll(async () => {
    for (const p of probes) p.disconnect();
    await Promise.all(PLATFORMS.map((p) => e2e?.sys.sandboxAdmin(p, 'POST', 'generator/stop').catch(() => undefined)));
    await e2e?.teardown();
    await cluster?.stop();
  }, 60_000);

  /** does the node on `port` serve `key`'s slot (CLUSTER KEYSLOT, then CLUSTER NODES' slot ranges) */
  const serves = (key: string) => {
    return async (): Promise<(port: number) => boolean> => {
      const seed = new Redis(cluster.topology().masters[0], '127.0.0.1', { maxRetriesPerRequest: 1 });
      probes.push(seed);
      const slot = Number(await seed.cluster('KEYSLOT', key));
      const nodes = String(await seed.cluster('NODES'));
      const owner = nodes
        .split('\n')
        .filter((l) => l.includes('master') && !l.includes('fail'))
        .find((l) =>
          l
            .split(' ')
            .slice(8)
            .some((r) => {
              const [a, b] = r.split('-').map(Number);
              return slot >= a && slot <= (b ?? a);
            }),
        );
      const port = owner ? Number(owner.split(' ')[1].split('@')[0].split(':')[1]) : -1;
      return (p: number) => p === port;
    };
  };

  it('loses and duplicates no order when a master fails over (manual) and another is killed, mid-run', async () => {
    // the system's keys are on the cluster, not on the shared server
    const shared = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    probes.push(shared);
    expect((await shared.scan('0', 'MATCH', `${e2e.prefix}*`, 'COUNT', 1000))[1]).toEqual([]);

    const before = Object.fromEntries(await Promise.all(PLATFORMS.map(async (p) => [p, (await generated(e2e.sys, p)).length] as const)));
    await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin(p, 'POST', 'generator/start', { ratePerSec: RATE_PER_PLATFORM })));
    const t0 = Date.now();
    const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + ms - Date.now())));

    await at(LOAD_MS * 0.3);
    const events = holderOf(cluster, await serves(`${e2e.prefix}:{order-events}:wait`)());
    const failoverMs = await cluster.failover(events.replica);
    console.log(`manual failover of {order-events}' master ${events.master} to ${events.replica}: ${failoverMs} ms`);

    await at(LOAD_MS * 0.6);
    const push = holderOf(cluster, await serves(`${e2e.prefix}:{erp-push}:wait`)());
    cluster.kill(push.master);
    const killedAt = Date.now();
    await waitUntil(
      `replica ${push.replica} promoted`,
      async () => cluster.topology().masters.includes(push.replica),
      20_000,
      () => JSON.stringify(cluster.topology()),
      100,
    );
    console.log(`killed {erp-push}' master ${push.master}; replica ${push.replica} promoted after ${Date.now() - killedAt} ms`);

    await at(LOAD_MS);
    await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin(p, 'POST', 'generator/stop')));
    const made = Object.fromEntries(await Promise.all(PLATFORMS.map(async (p) => [p, (await generated(e2e.sys, p)).slice(before[p]).map((g) => g.orderId)] as const))) as Record<Platform, string[]>;
    const total = PLATFORMS.reduce((n, p) => n + made[p].length, 0);
    expect(total).toBeGreaterThan(RATE_PER_PLATFORM * PLATFORMS.length * (LOAD_MS / 1000) * 0.5);

    const t1 = Date.now();
    const orders = await waitAllAtErp(e2e.sys, made, 120_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\norder-sync:\n${tail(e2e.sys, 'order-sync', 60)}\ngateway:\n${tail(e2e.sys, 'gateway', 30)}`);
    });
    console.log(`${total} orders over ${LOAD_MS} ms of load; all at the ERP ${Date.now() - t1} ms after the load stopped`);
    expect(duplicateErpOrders(orders)).toEqual([]);
    // settle: nothing arrives twice later either (a re-enqueued job of a row already delivered)
    await new Promise((r) => setTimeout(r, 8000));
    expect(duplicateErpOrders(await erpOrders(e2e.sys))).toEqual([]);
  });
});
