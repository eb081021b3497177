/**
 * Leader hand-over of the singleton loops (shared/leader-lock.ts): two instances on one database; the
 * leader "dies" by losing its database (its heartbeat can no longer renew, nor release, the lease), and the
 * standby must take over within 10 s, never while the old leader still believes it leads.
 */
import { DataSource } from 'typeorm';
import { QUEUE } from '@app/contracts';
import { buildDataSourceOptions } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { DEFAULT_LEASE_TTL_MS, LeaderLock } from '../../src/shared/leader-lock';
import { pollSchedulerKey } from '../../src/poll/poll-cadence';
import { RetentionSweeperService } from '../../src/retention/retention-sweeper.service';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

jest.setTimeout(60_000);

const HANDOVER_BOUND_MS = 10_000;

/** another connection pool on the same database: one "instance" */
async function instanceDb(db: TestDatabase): Promise<DataSource> {
  const ds = new DataSource(buildDataSourceOptions({ url: db.url, poolSize: 2 }));
  return ds.initialize();
}

/** resolves with the ms until `cond` holds; meanwhile `never` must not hold (sampled every 10 ms) */
async function timeUntil(cond: () => boolean, never: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (never()) throw new Error('two leaders at once');
    if (cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('LeaderLock: heartbeat lease', () => {
  let db: TestDatabase;
  const pools: DataSource[] = [];
  const locks: LeaderLock[] = [];
  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
  });
  afterAll(async () => {
    for (const l of locks) await l.stop();
    for (const p of pools) if (p.isInitialized) await p.destroy();
    await db.drop();
  });
  const instance = async (name: string, ttlMs?: number) => {
    const ds = await instanceDb(db);
    pools.push(ds);
    const lock = new LeaderLock(ds, name, ttlMs);
    locks.push(lock);
    return { ds, lock };
  };

  it('a standby never takes a lease its holder keeps renewing', async () => {
    // a short lease: several expiries' worth of beats in a second or two
    const a = await instance('short', 600);
    const b = await instance('short', 600);
    a.lock.start();
    await waitFor(async () => a.lock.isLeader(), 5000, 'a leads');
    b.lock.start();
    const t0 = Date.now();
    while (Date.now() - t0 < 2000) {
      expect(b.lock.isLeader()).toBe(false);
      expect(a.lock.isLeader()).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('the standby takes over within 10 s of the leader losing its heartbeat (default lease)', async () => {
    const a = await instance('loop');
    const b = await instance('loop');
    a.lock.start();
    await waitFor(async () => a.lock.isLeader(), 5000, 'a leads');
    b.lock.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(b.lock.isLeader()).toBe(false);
    // the leader dies: no renewal and no release reach Postgres any more
    await a.ds.destroy();
    const ms = await timeUntil(() => b.lock.isLeader(), () => a.lock.isLeader() && b.lock.isLeader(), HANDOVER_BOUND_MS);
    console.log(`hand-over after the leader's death: ${ms} ms (lease ${DEFAULT_LEASE_TTL_MS} ms, heartbeat ${DEFAULT_LEASE_TTL_MS / 3} ms)`);
    expect(ms).toBeLessThan(HANDOVER_BOUND_MS);
    expect(a.lock.isLeader()).toBe(false);
  });

  it('a graceful stop releases the lease: the standby takes over on its next beat, before the lease would expire', async () => {
    const a = await instance('graceful');
    const b = await instance('graceful');
    a.lock.start();
    await waitFor(async () => a.lock.isLeader(), 5000, 'a leads');
    b.lock.start();
    await new Promise((r) => setTimeout(r, 500));
    const stoppedAt = Date.now();
    await a.lock.stop();
    expect(a.lock.isLeader()).toBe(false);
    await waitFor(async () => b.lock.isLeader(), 5000, 'b leads');
    const ms = Date.now() - stoppedAt;
    console.log(`hand-over after a graceful stop: ${ms} ms`);
    // without the release the lease would still run for at least 2/3 of its ttl
    expect(ms).toBeLessThan((DEFAULT_LEASE_TTL_MS * 2) / 3);
  });
});

describe('singleton loops: two order-sync instances on one database', () => {
  let db: TestDatabase;
  let poolA: DataSource;
  let a: Harness;
  let b: Harness;
  const LOOPS = ['poll-scheduler', 'sla-watcher', 'sweeper', 'retention', 'stock-events-repair'];

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    poolA = await instanceDb(db);
    a = await createHarness({ db: { url: db.url, dataSource: poolA, drop: async () => undefined }, options: { backgroundLoops: true } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const holders = async (): Promise<Map<string, string>> => {
    const rows: { name: string; holder: string }[] = await db.dataSource.query(`SELECT name, holder FROM order_sync.leases WHERE expires_at > now()`);
    return new Map(rows.map((r) => [r.name, r.holder]));
  };

  it('every loop moves to the other instance within 10 s of the leader losing its database, and works there', async () => {
    const ofA = await waitFor(async () => {
      const h = await holders();
      return LOOPS.every((n) => h.has(n)) ? h : null;
    }, 10_000, 'instance A leads every loop');
    b = await createHarness({ db, options: { backgroundLoops: true } });
    await new Promise((r) => setTimeout(r, 1000));
    // B is a standby: A still holds every lease
    expect(await holders()).toEqual(ofA);
    const killedAt = Date.now();
    await poolA.destroy();
    const took = new Map<string, number>();
    await waitFor(async () => {
      const h = await holders();
      for (const n of LOOPS) if (!took.has(n) && h.has(n) && h.get(n) !== ofA.get(n)) took.set(n, Date.now() - killedAt);
      return took.size === LOOPS.length;
    }, HANDOVER_BOUND_MS + 2000, 'B takes every lease');
    console.log(`hand-over per loop: ${[...took].map(([n, ms]) => `${n} ${ms} ms`).join(', ')}`);
    for (const ms of took.values()) expect(ms).toBeLessThan(HANDOVER_BOUND_MS);
    // B's poll scheduler runs: the shop gets its scheduler in B's queue
    await waitFor(async () => (await b.queue(QUEUE.ORDER_POLL).getJobScheduler(pollSchedulerKey(SHOP_ID))) !== undefined, 5000, "B's poll scheduler at work");
    // B leads retention now (A, without its database, cannot): B's tick deletes an outage past its retention
    await db.dataSource.query(`INSERT INTO order_sync.dependency_outages (dependency, started_at, ended_at, instance) VALUES ('redis', now() - interval '400 days', now() - interval '400 days', 'gone')`);
    // (B's own retention loop may tick at the same moment and take the row first: the row being gone is the point)
    expect(await b.app.get(RetentionSweeperService).tickIfLeader()).not.toBeNull();
    const left = async () => Number((await db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.dependency_outages WHERE instance = 'gone'`))[0].n);
    await waitFor(async () => ((await left()) === 0 ? true : null), 5000, "B's retention deletes the old outage");
  });
});
