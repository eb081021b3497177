/**
 * Issue 12 item 1, "every Lua script's keys share a slot": each Lua script, multi-key command and pipeline the
 * apps send, run against a real local Redis Cluster (three masters, three replicas) through the clients the
 * apps build (createRedisClient / the BullMQ connections). A script or pipeline whose keys spanned slots
 * would fail here (CROSSSLOT, or ioredis's "all keys in the pipeline should belong to the same slots allocation
 * group") exactly as in production; the last case shows that failure on purpose.
 *
 * Audit (docs/adr/0010): Lua — the GCRA limiter (1 key), the stock push lock's release (1 key), the gateway's
 * rate-limiter-flexible counters (1 key each), BullMQ's scripts (every key of a queue under its `{queue}` tag;
 * flows: parent and children on `{catalog-publish}`). Pipelines — the usage meter (all keys under
 * `{<prefix>:use}`). Multi-key commands — only the clean-up's UNLINKs (one key each, per master). No MGET, MSET,
 * RENAME or MULTI elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { QUEUE, type QueueName } from '@app/contracts';
import { createRedisClient, deleteKeysMatching, type RedisClient } from '@app/observability';
import { deployedQueues, producerConnection, QueueHealthService, workerConnection } from '@app/queue';
import { RedisRateLimiter, UsageMeter } from '@app/resilience';
import { NonceStore } from '@app/service-auth';
import { startOwnRedisCluster, testClusterBasePort, type OwnRedisCluster } from '@app/testing/own-redis-cluster';
import { Queue, Worker } from 'bullmq';
import { RateLimitService } from '../../apps/gateway/src/limits/rate-limit.service';
import { StockPushLock } from '../../apps/catalog-sync/src/stock/stock-lock';
import { PublishFlowProducer } from '../../apps/catalog-sync/src/publish/publish-flow.producer';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} not finished within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** OMNISYNC_TEST_CLUSTER_PORT + 20 (six ports) */
/** every queue of the deployment, the per-platform publish queues included */
const ALL_QUEUES: QueueName[] = deployedQueues();
const OFFSET = 20;

describe('Lua scripts, pipelines and multi-key commands on a Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let redis: RedisClient;
  let prefix: string;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await startOwnRedisCluster(testClusterBasePort(OFFSET));
    redis = createRedisClient(cluster.target, { connectionName: 'scripts-on-cluster', maxRetriesPerRequest: 2 });
  }, 60_000);
  beforeEach(() => {
    prefix = `soc-${randomBytes(3).toString('hex')}`;
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    redis?.disconnect();
    await cluster?.stop();
  });

  it('GCRA limiter script: keys on every master, a burst then a refusal per key', async () => {
    const sut = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 2, maxWaitMs: 0, burstFor: () => 2 });
    const keys = Array.from({ length: 12 }, (_, i) => `douyin:shop${i}`);
    for (const k of keys) {
      await sut.acquire(k);
      await sut.acquire(k);
      await expect(sut.acquire(k)).rejects.toMatchObject({ kind: 'rate_limited' });
    }
  });

  it('usage meter pipelines: one flush and one read over many keys', async () => {
    const sut = new UsageMeter(redis, prefix, () => 1_000_000_000);
    const keys = Array.from({ length: 20 }, (_, i) => `api:shop${i}`);
    for (const k of keys) sut.add(k, 'granted', 3);
    await sut.flush();
    const later = new UsageMeter(redis, prefix, () => 1_000_000_000 + 20_000);
    const rates = await later.rates(keys);
    expect([...rates.values()].every((r) => r.granted === 3 / 60)).toBe(true);
  });

  it('stock push lock: SET NX then the release script, across slots', async () => {
    const sut = new StockPushLock(redis, `${prefix}-stock-push-lock`);
    for (let i = 0; i < 10; i++) {
      const inner = await sut.run(`sku${i}:shop1`, async () => sut.run(`sku${i}:shop1`, async () => 'nested'));
      expect(inner).toEqual({ ran: true, value: { ran: false } });
      // released: the next run gets the lock
      await expect(sut.run(`sku${i}:shop1`, async () => 1)).resolves.toEqual({ ran: true, value: 1 });
    }
  });

  it('service-auth nonces and the gateway limiter (rate-limiter-flexible) on the cluster', async () => {
    const nonces = NonceStore.connect(cluster.target, prefix);
    closers.push(() => nonces.onModuleDestroy());
    expect(await nonces.claim('n1', 10_000)).toBe(true);
    expect(await nonces.claim('n1', 10_000)).toBe(false);
    const limits = new RateLimitService({ redis: cluster.target, prefix, windowSec: 30, perKey: 2, perMerchant: 100, webhookPerIp: 10 });
    closers.push(async () => limits.onModuleDestroy());
    await limits.onModuleInit();
    for (const key of ['k-a', 'k-b', 'k-c', 'k-d']) {
      expect(await limits.admitKey(key)).toEqual({ ok: true });
      expect(await limits.admitKey(key)).toEqual({ ok: true });
      expect(await limits.admitKey(key)).toMatchObject({ ok: false, scope: 'key' });
    }
  });

  it('BullMQ scripts on every queue: add, process, complete; the queue health reads; flows across the publish queues', async () => {
    // completion seen on the worker itself (a QueueEvents stream read that starts after the job finished would miss it)
    const done = new Map<string, (v: unknown) => void>();
    const finished = (id: string) => new Promise((resolve) => done.set(id, resolve));
    for (const name of ALL_QUEUES) {
      const q = new Queue(name, { connection: producerConnection(cluster.target), prefix });
      const w = new Worker(name, async (job) => ({ echoed: job.data.n }), { connection: workerConnection(cluster.target), prefix });
      w.on('completed', (job, value) => done.get(`${name}/${job.id}`)?.(value));
      closers.push(() => q.close(), () => w.close());
      const id = `echo-${name.replace(/[{}]/g, '')}`;
      const result = finished(`${name}/${id}`);
      await q.add('echo', { n: name }, { jobId: id, delay: 10 });
      await expect(withTimeout(result, 15_000, id)).resolves.toEqual({ echoed: name });
    }
    const health = new QueueHealthService({ redis: cluster.target, prefix }, ALL_QUEUES);
    closers.push(() => health.onApplicationShutdown());
    const rows = await health.all();
    expect(rows.map((r) => r.queue).sort()).toEqual([...ALL_QUEUES].sort());
    expect(rows.every((r) => r.waiting === 0 && r.failed === 0)).toBe(true);

    const flows = new PublishFlowProducer({ redis: cluster.target, prefix });
    closers.push(() => flows.onApplicationShutdown());
    const parentDone = finished(`${QUEUE.CATALOG_PUBLISH_FLOW}/publish-flow-r1-p1`);
    await flows.add([{ runId: 'r1', productId: 'p1', bulk: false, targets: [{ shopId: 's1', platform: 'douyin' }, { shopId: 's2', platform: 'taobao' }] }]);
    // the echo workers above complete the children on {catalog-publish}-to-douyin / -taobao, then the parent on {catalog-publish}-flow
    await expect(withTimeout(parentDone, 15_000, 'flow parent')).resolves.toEqual({ echoed: undefined });
  }, 60_000);

  it('clean-up: SCAN on every master, one key per UNLINK', async () => {
    for (let i = 0; i < 30; i++) await redis.set(`${prefix}:k${i}`, '1');
    expect(await deleteKeysMatching(redis, `${prefix}:*`)).toBe(30);
    expect(await deleteKeysMatching(redis, `${prefix}:*`)).toBe(0);
  });

  it('control: keys without a shared hash tag are refused — a queue with neither a tagged name nor a tagged prefix, a cross-slot script', async () => {
    await expect(redis.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, `${prefix}:a`, `${prefix}:b`)).rejects.toThrow(/CROSSSLOT/);
    const untagged = new Queue('untagged', { connection: producerConnection(cluster.target), prefix });
    closers.push(() => untagged.close());
    await expect(untagged.add('x', {})).rejects.toThrow(/CROSSSLOT|slot/i);
  });
});
