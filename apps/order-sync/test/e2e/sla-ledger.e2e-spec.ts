/**
 * The SLA ledger under the faults of issue 8's table, on one whole system (sandbox + gateway + order-sync)
 * running on a Redis server and a Postgres cluster of this test's own (started here on spare loopback ports,
 * so freezing / stopping them touches nothing else):
 *  A. Redis frozen (SIGSTOP) 7 s;
 *  B. Postgres stopped (pg_ctl stop -m fast) 6 s;
 *  C. every push lost (simulators' pushDropRate 1): the poller finds the orders;
 *  D. the ERP answering 503 for 7 s.
 * In each, the breaches GET /ops/sla counts (and the orders it lists as breached) are exactly the orders whose
 * pay -> ack exceeded the breach mark, computed here from the ERP simulator's first-ack times and the
 * generators' pay times (as each platform publishes them: Douyin and Taobao in whole seconds).
 *
 * Shortened from the issue's runs (45 s / 30 s / 120 s / 3 min at 60 orders/s): the SLA marks are lowered to
 * 3 s (warning) and 5 s (breach) through SLA_WARN_MS / SLA_BREACH_MS, each fault lasts 6-7 s, and each burst is
 * 4 orders/s per platform for 10 s — enough for some orders of each burst to be late and some not.
 */
import type { Platform } from '@app/contracts';
import type { DataSource } from 'typeorm';
import { recoveryTailMs } from '../../src/sla/sla-causes';
import { PLATFORMS, erpOrders, generated, startE2eSystem, tail, waitUntil, type E2eSystem, type ErpOrder, type GeneratedOrder } from './support/e2e-system';
import { spareLoopbackPort, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './support/private-servers';

jest.setTimeout(150_000);

const WARN_MS = 3000;
const BREACH_MS = 5000;
/** this helper's spare loopback ports */
const PORTS: [number, number] = [21000, 21999];

interface SlaReport {
  platforms: { platform: string; breaches: number; warnings: number; breachCauses: Record<string, number> }[];
  late: { platformOrderId: string; platform: string; level: string; cause: string }[];
}

/** the pay time as the platform publishes it (the clock our ledger starts from): Douyin and Taobao in seconds */
const platformPayMs = (p: Platform, paidAt: number): number => (p === 'xiaohongshu' ? paidAt : Math.floor(paidAt / 1000) * 1000);

describe('SLA ledger e2e: every late order counted under faults', () => {
  let redis: PrivateRedis;
  let pg: PrivatePostgres;
  let e2e: E2eSystem;

  beforeAll(async () => {
    const t0 = Date.now();
    redis = await startPrivateRedis(await spareLoopbackPort(...PORTS));
    pg = await startPrivatePostgres(await spareLoopbackPort(...PORTS));
    e2e = await startE2eSystem({
      redisUrl: redis.url,
      pgAdminUrl: pg.adminUrl,
      orderSyncEnv: {
        SLA_WARN_MS: String(WARN_MS),
        SLA_BREACH_MS: String(BREACH_MS),
        SLA_CHECK_INTERVAL_MS: '500',
        // a lost push is found by the next poll, up to 8 s later: some of C's orders are late, some not
        ORDER_POLL_INTERVAL_MS: '8000',
        // the poller's fast cadence (2 s once a poll finds orders no push announced) would bring every lost push in
        // under the 5 s mark; scenario C needs some late and some on time, so the fast cadence is the slow one here
        ORDER_POLL_FAST_INTERVAL_MS: '8000',
        ORDER_POLL_OVERLAP_MS: '30000',
        ORDER_POLL_SCHEDULER_REFRESH_MS: '2000',
        SWEEP_INTERVAL_MS: '1000',
        SWEEP_STALE_AFTER_MS: '2000',
      },
      sandboxEnv: { SANDBOX_TMC_REDELIVER_MS: '3000' },
    });
    // the pollers run for every shop before any fault (scenario C depends on them)
    await waitUntil('every shop polled once', async () => Number((await e2e.db.query(`SELECT count(*)::int AS n FROM order_sync.poll_cursors`))[0].n) >= PLATFORMS.length, 30_000);
    console.log(`system up in ${Date.now() - t0} ms (redis ${redis.url}, postgres ${pg.adminUrl})`);
  }, 120_000);

  afterAll(async () => {
    redis?.thaw();
    await e2e?.teardown().catch(() => undefined);
    await redis?.stop();
    await pg?.destroy();
  }, 60_000);

  const logs = () => `\norder-sync:\n${tail(e2e.sys, 'order-sync', 40)}\ngateway:\n${tail(e2e.sys, 'gateway', 15)}`;

  /** the previous scenario's outage counts for waits that begin in its recovery tail (sla-causes): start after it */
  async function afterRecoveryTails(): Promise<void> {
    const rows: { started_at: Date; ended_at: Date }[] = await e2e.db.query(`SELECT started_at, ended_at FROM order_sync.dependency_outages`);
    const ends = rows.map((r) => r.ended_at.getTime() + recoveryTailMs({ dependency: 'postgres', startedAt: r.started_at.getTime(), endedAt: r.ended_at.getTime() }));
    const wait = Math.max(0, ...ends) + 500 - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /** a paced burst on every platform; resolves with the burst's generated orders once all are made */
  async function burst(ratePerSec: number, durationSec: number): Promise<() => Promise<(GeneratedOrder & { platform: Platform })[]>> {
    await afterRecoveryTails();
    const before = Object.fromEntries(await Promise.all(PLATFORMS.map(async (p) => [p, (await generated(e2e.sys, p)).length] as const)));
    await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin(p, 'POST', 'generator/burst', { ratePerSec, durationSec })));
    const total = Math.round(ratePerSec * durationSec);
    return async () =>
      (
        await Promise.all(
          PLATFORMS.map((p) =>
            waitUntil(`${p} burst generated`, async () => {
              const g = (await generated(e2e.sys, p)).slice(before[p]);
              return g.length >= total ? g.map((o) => ({ ...o, platform: p })) : undefined;
            }, durationSec * 1000 + 30_000),
          ),
        )
      ).flat();
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /**
   * Every order of the burst at the ERP and acked in our database (the ack and its ledger verdict commit
   * together), then the comparison: breaches in the ledger (GET /ops/sla, the merchant's) = orders whose
   * pay -> ERP first ack exceeded BREACH_MS. Returns the breach causes counted.
   */
  async function expectLedgerExact(name: string, made: (GeneratedOrder & { platform: Platform })[]): Promise<Record<string, number>> {
    const key = (p: string, id: string) => `${p}|${id}`;
    const erp = await waitUntil(
      `${name}: every order at the ERP`,
      async () => {
        const byId = new Map<string, ErpOrder>((await erpOrders(e2e.sys)).map((o) => [key(o.platform ?? '', o.platformOrderId), o]));
        return made.every((g) => byId.has(key(g.platform, g.orderId))) ? byId : undefined;
      },
      90_000,
      logs,
    );
    await waitUntil(`${name}: every order acked in Postgres`, async () => (await notYet(e2e.db, made, 'acked')) === 0, 30_000, logs);

    const pays = made.map((g) => platformPayMs(g.platform, g.paidAt));
    const late = new Set(
      made.filter((g, i) => erp.get(key(g.platform, g.orderId))!.firstAckAt - pays[i] > BREACH_MS).map((g) => key(g.platform, g.orderId)),
    );
    const window = { from: new Date(Math.min(...pays)).toISOString(), to: new Date(Math.max(...pays) + 1).toISOString() };
    const res = await e2e.sys.gateway.get('/ops/sla', { params: window });
    expect(res.status).toBe(200);
    const report = res.data as SlaReport;
    const breaches = report.platforms.reduce((n, p) => n + p.breaches, 0);
    const breached = new Set(report.late.filter((l) => l.level === 'breach').map((l) => key(l.platform, l.platformOrderId)));
    const causes: Record<string, number> = {};
    for (const p of report.platforms) for (const [c, n] of Object.entries(p.breachCauses)) causes[c] = (causes[c] ?? 0) + n;
    const latencies = made.map((g, i) => erp.get(key(g.platform, g.orderId))!.firstAckAt - pays[i]).sort((a, b) => a - b);
    // waiting events an ack showed did not happen (the ERP had accepted the order, its answer came late)
    const [{ n: disproved }] = await e2e.db.query(
      `SELECT count(*)::int AS n FROM order_sync.sla_events WHERE disproved_at IS NOT NULL AND sla_started_at >= $1 AND sla_started_at < $2`,
      [window.from, window.to],
    );
    console.log(
      `${name}: ${made.length} orders, ${late.size} later than ${BREACH_MS} ms by the ERP's ack times (max ${latencies[latencies.length - 1]} ms); ` +
        `ledger: ${breaches} breaches ${JSON.stringify(causes)}, ${report.platforms.reduce((n, p) => n + p.warnings, 0)} warnings, ${disproved} waiting events disproved at the ack`,
    );
    // when a scenario's causes are not what it expects, the breaches and their pay times say why
    if (Object.keys(causes).length > 1) {
      const payOf = new Map(made.map((g, i) => [key(g.platform, g.orderId), new Date(pays[i]).toISOString()]));
      console.log(`${name}: breaches by cause`, report.late.filter((l) => l.level === 'breach').map((l) => `${l.cause} ${l.platform}/${l.platformOrderId} paid ${payOf.get(key(l.platform, l.platformOrderId))}`));
    }
    const diff = [...new Set([...late, ...breached])].filter((k) => late.has(k) !== breached.has(k));
    expect({ breaches, diff }).toEqual({ breaches: late.size, diff: [] });
    // the fault made some orders late and left others on time: the equality is not a trivial 0 = 0 or all = all
    expect(late.size).toBeGreaterThan(0);
    expect(late.size).toBeLessThan(made.length);
    return causes;
  }

  it('A. Redis frozen 7 s: every order later than the mark is a breach (redis_unavailable)', async () => {
    const done = await burst(4, 10);
    await sleep(2000);
    redis.freeze();
    try {
      await sleep(7000);
    } finally {
      redis.thaw();
    }
    const causes = await expectLedgerExact('A. Redis frozen', await done());
    expect(Object.keys(causes)).toEqual(['redis_unavailable']);
  });

  it('B. Postgres stopped 6 s: every order later than the mark is a breach (postgres_unavailable)', async () => {
    const done = await burst(4, 10);
    await sleep(2000);
    await pg.stop();
    try {
      await sleep(6000);
    } finally {
      await pg.start();
    }
    const causes = await expectLedgerExact('B. Postgres stopped', await done());
    expect(Object.keys(causes)).toEqual(['postgres_unavailable']);
  });

  it('C. every push lost: the poller finds the orders; every one later than the mark is a breach (push_lost)', async () => {
    for (const p of PLATFORMS) await e2e.sys.sandboxAdmin(p, 'POST', 'faults', { pushDropRate: 1 });
    let made: (GeneratedOrder & { platform: Platform })[];
    try {
      made = await (await burst(4, 10))();
      // every order is found by a poll (no push arrives), so they are all in before the drop is lifted
      await waitUntil('C: all orders found by the poller', async () => (await notYet(e2e.db, made, 'stored')) === 0, 60_000, logs);
    } finally {
      for (const p of PLATFORMS) await e2e.sys.sandboxAdmin(p, 'POST', 'faults/reset');
    }
    const stats = await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin<{ push?: { dropped: number } | null; tmcDropped?: number }>(p, 'GET', 'stats')));
    console.log(`C: pushes dropped so far: ${PLATFORMS.map((p, i) => `${p} ${stats[i].push?.dropped ?? stats[i].tmcDropped}`).join(', ')}`);
    const causes = await expectLedgerExact('C. pushes lost', made);
    expect(Object.keys(causes)).toEqual(['push_lost']);
  });

  it('D. the ERP answering 503 for 7 s: every order later than the mark is a breach (erp_down)', async () => {
    const done = await burst(4, 10);
    await sleep(2000);
    await e2e.sys.sandboxAdmin('erp', 'POST', 'faults', { downForMs: 7000 });
    const causes = await expectLedgerExact('D. ERP 503', await done());
    expect(Object.keys(causes)).toEqual(['erp_down']);
  });
});

/** how many orders of `made` are not stored (or not acked) in Postgres yet */
async function notYet(db: DataSource, made: { platform: Platform; orderId: string }[], what: 'stored' | 'acked'): Promise<number> {
  const rows: { n: number }[] = await db.query(
    `SELECT count(*)::int AS n FROM unnest($1::text[], $2::text[]) AS g(platform, id)
      WHERE NOT EXISTS (SELECT 1 FROM order_sync.orders o WHERE o.platform = g.platform AND o.platform_order_id = g.id ${what === 'acked' ? 'AND o.erp_acked_at IS NOT NULL' : ''})`,
    [made.map((g) => g.platform), made.map((g) => g.orderId)],
  );
  return rows[0].n;
}
