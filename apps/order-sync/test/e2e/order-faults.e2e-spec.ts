/**
 * Whole system as processes under faults, on a dedicated Redis db index (scenario 5 wipes it):
 *  6. 10% of pushes dropped -> the poller recovers every order;
 *  4. the order-sync worker SIGKILLed mid-burst and restarted -> nothing lost, no duplicate ERP order;
 *  5. Redis wiped mid-burst -> the sweeper re-enqueues from Postgres, everything delivered;
 *  3. the ERP down for 60 s mid-burst -> nothing fails, everything delivered once it is back.
 * Each scenario checks only the orders its own burst generated.
 */
import Redis from 'ioredis';
import type { Platform } from '@app/contracts';
import {
  PLATFORMS,
  duplicateErpOrders,
  erpOrders,
  generated,
  inboxStatusCounts,
  opsQueues,
  outboxStatusCounts,
  startE2eSystem,
  tail,
  waitAllAtErp,
  waitUntil,
  type E2eSystem,
  type GeneratedOrder,
} from './support/e2e-system';

jest.setTimeout(150_000);

describe('order sync e2e under faults', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    const t0 = Date.now();
    e2e = await startE2eSystem({
      dedicatedRedisDb: true,
      orderSyncEnv: {
        ORDER_POLL_INTERVAL_MS: '2000',
        ORDER_POLL_OVERLAP_MS: '30000',
        // the shops are registered after order-sync boots: pick them up (and restore schedulers after the Redis wipe) quickly
        ORDER_POLL_SCHEDULER_REFRESH_MS: '2000',
        SWEEP_INTERVAL_MS: '1000',
        SWEEP_STALE_AFTER_MS: '3000',
        SLA_WARN_MS: '60000',
        SLA_BREACH_MS: '120000',
      },
      // Taobao TMC: redeliver unconfirmed messages quickly (a killed worker leaves some unconfirmed)
      sandboxEnv: { SANDBOX_TMC_REDELIVER_MS: '5000' },
    });
    console.log(`system up in ${Date.now() - t0} ms (db ${e2e.databaseName}, redis ${e2e.redisUrl}, prefix ${e2e.prefix})`);
  }, 180_000);

  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  /** starts a paced burst on every platform; resolves with a function returning this burst's generated orders */
  async function burst(ratePerSec: number, durationSec: number): Promise<() => Promise<Record<Platform, GeneratedOrder[]>>> {
    const before = Object.fromEntries(await Promise.all(PLATFORMS.map(async (p) => [p, (await generated(e2e.sys, p)).length] as const)));
    await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin(p, 'POST', 'generator/burst', { ratePerSec, durationSec })));
    const total = Math.round(ratePerSec * durationSec);
    return async () =>
      Object.fromEntries(
        await Promise.all(
          PLATFORMS.map(async (p) => [
            p,
            await waitUntil(`${p} burst complete`, async () => {
              const g = (await generated(e2e.sys, p)).slice(before[p]);
              return g.length >= total ? g : undefined;
            }, durationSec * 1000 + 20_000),
          ] as const),
        ),
      ) as Record<Platform, GeneratedOrder[]>;
  }

  /** the fault hits mid-burst: once `n` of this burst's orders reached the ERP */
  const burstFlowing = (base: number, n: number) =>
    waitUntil('burst flowing into the ERP', async () => (await erpOrders(e2e.sys)).length >= base + n, 15_000, undefined, 100);

  const idsOf = (made: Record<Platform, GeneratedOrder[]>) => Object.fromEntries(PLATFORMS.map((p) => [p, made[p].map((g) => g.orderId)]));
  const logs = () => `\norder-sync:\n${tail(e2e.sys, 'order-sync', 60)}\ngateway:\n${tail(e2e.sys, 'gateway', 20)}`;

  async function expectNothingFailed(): Promise<void> {
    const outbox = await outboxStatusCounts(e2e.db);
    const inbox = await inboxStatusCounts(e2e.db);
    expect({ outboxFailed: outbox.failed ?? 0, inboxFailed: inbox.failed ?? 0 }).toEqual({ outboxFailed: 0, inboxFailed: 0 });
    const queues = await opsQueues(e2e.sys);
    const failed = queues.filter((q) => q.failed > 0).map((q) => `${q.queue}: ${q.failed}`);
    expect(failed).toEqual([]);
  }

  it('6. 10% of pushes dropped: the poller recovers every order', async () => {
    // the poller is running for every shop before pushes start getting lost
    await waitUntil('every shop polled once', async () => {
      const rows: { n: string }[] = await e2e.db.query(`SELECT count(*)::text AS n FROM order_sync.poll_cursors`);
      return Number(rows[0].n) >= PLATFORMS.length;
    }, 30_000, () => tail(e2e.sys, 'order-sync', 30));
    for (const p of PLATFORMS) await e2e.sys.sandboxAdmin(p, 'POST', 'faults', { pushDropRate: 0.1 });
    try {
      const made = await (await burst(40, 3))();
      const orders = await waitAllAtErp(e2e.sys, idsOf(made), 45_000).catch((e: unknown) => {
        throw new Error(`${String(e)}${logs()}`);
      });
      expect(duplicateErpOrders(orders)).toEqual([]);
      const stats = await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin<{ push: { dropped: number } | null }>(p, 'GET', 'stats')));
      const dropped = stats.map((s, i) => `${PLATFORMS[i]} ${s.push?.dropped ?? 'TMC'}`);
      console.log(`scenario 6: pushes dropped ${dropped.join(', ')}; all ${PLATFORMS.map((p) => made[p].length).join('/')} orders at the ERP`);
      // the drop fault really dropped pushes (douyin and xiaohongshu push over HTTP)
      expect((stats[0].push?.dropped ?? 0) + (stats[2].push?.dropped ?? 0)).toBeGreaterThan(0);
    } finally {
      for (const p of PLATFORMS) await e2e.sys.sandboxAdmin(p, 'POST', 'faults/reset');
    }
    await expectNothingFailed();
  });

  it('4. order-sync SIGKILLed mid-burst and restarted: nothing lost, no duplicate ERP order; stall recovery timed', async () => {
    const base = (await erpOrders(e2e.sys)).length;
    const done = await burst(40, 5);
    // kill while the burst is flowing and some deliveries are in flight
    await burstFlowing(base, 60);
    const killedAt = Date.now();
    await e2e.sys.kill('order-sync', 'SIGKILL');
    // what the ERP has once the worker is dead (deliveries in flight at the kill may still land just after it)
    await new Promise((r) => setTimeout(r, 200));
    const before = new Set((await erpOrders(e2e.sys)).map((o) => `${o.platform}|${o.platformOrderId}`));
    await e2e.sys.restart('order-sync');
    const upAt = Date.now();
    const made = await done();
    // first ERP delivery, by the restarted worker, of an order that was not at the ERP when the worker died
    const firstNew = waitUntil('first delivery after the kill', async () => {
      const fresh = (await erpOrders(e2e.sys)).filter((o) => !before.has(`${o.platform}|${o.platformOrderId}`));
      return fresh.length > 0 ? Math.min(...fresh.map((o) => o.firstAckAt)) : undefined;
    }, 60_000, undefined, 100);
    const orders = await waitAllAtErp(e2e.sys, idsOf(made), 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}${logs()}`);
    });
    const allAt = Date.now();
    const firstAt = await firstNew;
    const lastPer = PLATFORMS.map((p) => {
      const ids = new Set(made[p].map((g) => g.orderId));
      const acks = orders.filter((o) => o.platform === p && ids.has(o.platformOrderId)).map((o) => o.firstAckAt);
      return `${p} +${Math.max(...acks) - killedAt} ms`;
    });
    console.log(
      `scenario 4: restart took ${upAt - killedAt} ms; kill -> first new ERP delivery ${firstAt - killedAt} ms; kill -> all ${PLATFORMS.map((p) => made[p].length).join('/')} delivered ${allAt - killedAt} ms (last delivery per platform: ${lastPer.join(', ')})`,
    );
    expect(duplicateErpOrders(orders)).toEqual([]);
    // bounds: restart (~8-14 s on a loaded 2-core box) plus stalled-job recovery (lockDuration 10 s / stalledInterval 5 s)
    expect(firstAt - killedAt).toBeLessThan(30_000);
    expect(allAt - killedAt).toBeLessThan(50_000);
    await expectNothingFailed();
  });

  it('5. Redis wiped mid-burst: the sweeper re-enqueues from Postgres, everything delivered', async () => {
    const base = (await erpOrders(e2e.sys)).length;
    const done = await burst(40, 5);
    await burstFlowing(base, 60);
    const db = Number(new URL(e2e.redisUrl).pathname.slice(1));
    expect(db).toBeGreaterThan(0); // never wipe db 0
    const redis = new Redis(e2e.redisUrl);
    const wipedAt = Date.now();
    try {
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
    const made = await done();
    const orders = await waitAllAtErp(e2e.sys, idsOf(made), 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}${logs()}`);
    });
    console.log(`scenario 5: Redis db ${db} wiped; all ${PLATFORMS.map((p) => made[p].length).join('/')} orders at the ERP ${Date.now() - wipedAt} ms later`);
    expect(duplicateErpOrders(orders)).toEqual([]);
    // every order is at the ERP already; rows of later versions may still wait for a lease or the sweeper
    await waitUntil('outbox drained', async () => ((await outboxStatusCounts(e2e.db)).pending ?? 0) === 0, 90_000);
    await expectNothingFailed();
  }, 200_000);

  it('3. ERP down for 60 s mid-burst: the breaker opens, nothing fails, all delivered when it is back', async () => {
    const base = (await erpOrders(e2e.sys)).length;
    // start from a quiet ERP (no calls for the breaker's 10 s window), so every call in the window is counted below
    let quiet = { requests: -1, since: Date.now() };
    await waitUntil('ERP quiet for 10 s', async () => {
      const { requests } = await e2e.sys.sandboxAdmin<{ requests: number }>('erp', 'GET', 'stats');
      if (requests !== quiet.requests) quiet = { requests, since: Date.now() };
      return Date.now() - quiet.since >= 10_500;
    }, 60_000, undefined, 500);
    const erpStatsAtStart = await e2e.sys.sandboxAdmin<{ requests: number }>('erp', 'GET', 'stats');
    const done = await burst(20, 5);
    await burstFlowing(base, 60);
    const downAt = Date.now();
    await e2e.sys.sandboxAdmin('erp', 'POST', 'faults', { downForMs: 60_000 });
    const erpStatsBefore = await e2e.sys.sandboxAdmin<{ requests: number; injected: { down: number } }>('erp', 'GET', 'stats');
    // the ERP calls that succeeded just before the outage (all inside the breaker's 10 s rolling window)
    const okBeforeDown = erpStatsBefore.requests - erpStatsAtStart.requests;
    const made = await done();
    // while down: requests rejected, but the breaker keeps them few (not one per order and retry)
    // while down, the outbox rows record why they wait: the ERP's 503 first, then the open breaker
    const errorKinds = new Set<string>();
    await waitUntil('ERP back up', async () => {
      const rows: { e: string }[] = await e2e.db.query(
        `SELECT DISTINCT split_part(last_error, ':', 1) AS e FROM order_sync.outbox WHERE status = 'pending' AND last_error IS NOT NULL`,
      );
      for (const r of rows) errorKinds.add(r.e);
      return Date.now() - downAt > 61_000;
    }, 70_000, undefined, 1000);
    const erpStatsAfter = await e2e.sys.sandboxAdmin<{ injected: { down: number } }>('erp', 'GET', 'stats');
    const rejectedWhileDown = erpStatsAfter.injected.down - erpStatsBefore.injected.down;
    const orders = await waitAllAtErp(e2e.sys, idsOf(made), 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}${logs()}`);
    });
    const allAt = Date.now();
    console.log(
      `scenario 3: ERP down 60 s; ${rejectedWhileDown} requests hit the down ERP; all ${PLATFORMS.map((p) => made[p].length).join('/')} orders delivered ${allAt - downAt - 60_000} ms after it came back`,
    );
    expect(duplicateErpOrders(orders)).toEqual([]);
    // retries back off up to 30 s, so the last order lands within ~30 s of the ERP's return
    expect(allAt - downAt - 60_000).toBeLessThan(45_000);
    expect(rejectedWhileDown).toBeGreaterThan(0);
    console.log(`scenario 3: outbox errors seen while down: ${[...errorKinds].join(', ')}`);
    expect([...errorKinds]).toContain('circuit_open');
    // an open breaker sheds the load. It opens on 3 failures in a row, or once failures outnumber the successes
    // in its 30 s window (DEFAULT_ERP_BREAKER), so the failed calls are bounded by the calls that succeeded just
    // before the outage, plus a volume's worth, the calls in flight (a 503 halves the adaptive limit) and one
    // trial per 10 s reset; one request per order per retry over the minute would be ~6 x 300
    console.log(`scenario 3: ${okBeforeDown} ERP calls in the burst before the outage; ${rejectedWhileDown} while down`);
    expect(rejectedWhileDown).toBeLessThanOrEqual(okBeforeDown + 10 + 2 + 7);
    await waitUntil('outbox drained', async () => ((await outboxStatusCounts(e2e.db)).pending ?? 0) === 0, 30_000);
    await expectNothingFailed();
  }, 200_000);
});
