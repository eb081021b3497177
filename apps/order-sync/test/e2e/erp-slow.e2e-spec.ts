/**
 * A slow ERP is a capacity problem, not a stall (issue 8, part 2), on the whole system as processes, with the
 * ERP simulator's latency fault and the defaults (ERP_TIMEOUT_MS 15 s, ERP_TIMEOUT_MAX_MS 25 s, ERP_MAX_IN_FLIGHT
 * 32, batches of 50):
 *  1. the ERP stops answering (latency 60 s: every answer comes after the longest time limit) while 60 orders/s
 *     flow -> the breaker opens within 20 s (read from omnisync_circuit_breakers_open{upstream="erp"} on /metrics), and once
 *     the ERP answers again a half-open trial finds it and everything is delivered, once;
 *  2. ERP latency 12 s while 60 orders/s flow -> the delivery keeps up: every order acked by the ERP within 20 s of
 *     its outbox row (the ERP's 12 s and a short wait for a call), so none is late because of the delivery; late
 *     orders (pay -> ack > 30 s, ack times from the ERP simulator, pay times from the platform generators) are
 *     counted and split into intake and delivery time; nothing lost or duplicated.
 * Shortened from the issue's two minutes: 12 s latency for 40 s (more than three round trips at the slow
 * latency, so the adaptive limit reaches and holds its steady state), inside a 50 s burst at 60 orders/s.
 */
import type { Platform } from '@app/contracts';
import {
  PLATFORMS,
  duplicateErpOrders,
  erpOrders,
  generated,
  outboxStatusCounts,
  percentile,
  startE2eSystem,
  tail,
  waitAllAtErp,
  waitUntil,
  type E2eSystem,
  type GeneratedOrder,
} from './support/e2e-system';

jest.setTimeout(240_000);

/** 20 orders/s on each of the three platforms */
const RATE_PER_PLATFORM = 20;
const SLA_MS = 30_000;

describe('ERP slow or timing out e2e', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    const t0 = Date.now();
    e2e = await startE2eSystem({
      orderSyncEnv: {
        SWEEP_INTERVAL_MS: '1000',
        SWEEP_STALE_AFTER_MS: '15000',
        // the SLA watcher's own alerts are not what this test measures
        SLA_WARN_MS: '120000',
        SLA_BREACH_MS: '240000',
      },
    });
    console.log(`system up in ${Date.now() - t0} ms (db ${e2e.databaseName})`);
  }, 180_000);

  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  const logs = () => `\norder-sync:\n${tail(e2e.sys, 'order-sync', 60)}`;
  const setLatency = (latencyMs: number) => e2e.sys.sandboxAdmin('erp', 'POST', 'faults', { latencyMs });

  /** starts a paced burst on every platform; resolves with a function returning this burst's generated orders */
  async function burst(durationSec: number): Promise<() => Promise<Record<Platform, GeneratedOrder[]>>> {
    const before = Object.fromEntries(await Promise.all(PLATFORMS.map(async (p) => [p, (await generated(e2e.sys, p)).length] as const)));
    await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin(p, 'POST', 'generator/burst', { ratePerSec: RATE_PER_PLATFORM, durationSec })));
    const total = Math.round(RATE_PER_PLATFORM * durationSec);
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
  const idsOf = (made: Record<Platform, GeneratedOrder[]>) => Object.fromEntries(PLATFORMS.map((p) => [p, made[p].map((g) => g.orderId)]));

  /** a gauge of order-sync's /metrics (labels as written there, e.g. `{upstream="erp"}`) */
  async function gauge(name: string, labels: string): Promise<number> {
    const res = await fetch(`${e2e.sys.metricsUrls['order-sync']}/metrics`);
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  /** pay -> ERP ack of each of this burst's orders, from the generators' pay times and the ERP simulator's first acks */
  async function payToAck(made: Record<Platform, GeneratedOrder[]>): Promise<{ id: string; ms: number }[]> {
    const acks = new Map((await erpOrders(e2e.sys)).map((o) => [`${o.platform}|${o.platformOrderId}`, o.firstAckAt]));
    return PLATFORMS.flatMap((p) => made[p].map((g) => ({ id: `${p}:${g.orderId}`, ms: (acks.get(`${p}|${g.orderId}`) ?? Number.NaN) - g.paidAt })));
  }

  it('1. ERP answering after the longest time limit: breaker open within 20 s, half-open trial finds the recovery, nothing lost or duplicated', async () => {
    const done = await burst(25);
    // the burst flows into a healthy ERP first
    await waitUntil('orders at the ERP', async () => (await erpOrders(e2e.sys)).length >= 100, 20_000, logs, 200);
    expect(await gauge('omnisync_circuit_breakers_open', '{upstream="erp"}')).toBe(0);
    const hungAt = Date.now();
    await setLatency(60_000);
    const openAt = await waitUntil('ERP breaker open', async () => ((await gauge('omnisync_circuit_breakers_open', '{upstream="erp"}')) >= 1 ? Date.now() : undefined), 40_000, logs, 250);
    const toOpen = openAt - hungAt;
    const openLog = tail(e2e.sys, 'order-sync', 200);
    await setLatency(0);
    const backAt = Date.now();
    const made = await done();
    const orders = await waitAllAtErp(e2e.sys, idsOf(made), 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}${logs()}`);
    });
    const closedAt = await waitUntil('ERP breaker closed again', async () => ((await gauge('omnisync_circuit_breakers_open', '{upstream="erp"}')) === 0 ? Date.now() : undefined), 30_000, logs, 250);
    console.log(
      `scenario 1: ERP hung (60 s latency) -> breaker open after ${toOpen} ms; ERP back -> breaker closed ${closedAt - backAt} ms later (measured at delivery end); all ${made.douyin.length * 3} orders delivered ${Date.now() - backAt} ms after the ERP came back`,
    );
    expect(toOpen).toBeLessThanOrEqual(20_000);
    expect(openLog).toMatch(/ERP breaker erp:generic-http of lane \S+ open \(after timeouts\)/);
    expect(duplicateErpOrders(orders)).toEqual([]);
    await waitUntil('outbox drained', async () => ((await outboxStatusCounts(e2e.db)).pending ?? 0) === 0, 30_000, logs);
    expect((await outboxStatusCounts(e2e.db)).failed ?? 0).toBe(0);
  });

  it('2. ERP latency 12 s at 60 orders/s: the delivery keeps up (ERP latency + a short wait), late orders counted and explained, nothing lost or duplicated', async () => {
    // 5 s into a burst into a healthy ERP, its latency goes to 12 s for 40 s
    const done = await burst(50);
    await new Promise((r) => setTimeout(r, 5000));
    const slowAt = Date.now();
    await setLatency(12_000);
    let highestLimit = 0;
    let mostInFlight = 0;
    const timeline: string[] = [];
    while (Date.now() - slowAt < 40_000) {
      const limit = await gauge('omnisync_upstream_concurrency_limit', '{upstream="erp"}');
      const inFlight = await gauge('omnisync_upstream_calls_in_flight', '{upstream="erp"}');
      highestLimit = Math.max(highestLimit, limit);
      mostInFlight = Math.max(mostInFlight, inFlight);
      const [q]: { outbox: number; inbox: number }[] = await e2e.db.query(
        `SELECT (SELECT count(*) FROM order_sync.outbox WHERE status = 'pending')::int AS outbox,
                (SELECT count(*) FROM order_sync.inbox WHERE status = 'pending')::int AS inbox`,
      );
      timeline.push(`${Math.round((Date.now() - slowAt) / 1000)}s: limit ${limit}, in flight ${inFlight}, outbox pending ${q.outbox}, inbox pending ${q.inbox}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    await setLatency(0);
    const made = await done();
    const orders = await waitAllAtErp(e2e.sys, idsOf(made), 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}${logs()}`);
    });
    // pay -> ERP ack, split at the outbox row's creation: the intake's part (push / TMC, normalise) and the delivery's
    const outboxAt = new Map(
      (
        (await e2e.db.query(
          `SELECT o.platform || ':' || o.platform_order_id AS id, (EXTRACT(EPOCH FROM min(b.created_at)) * 1000)::float8 AS at
             FROM order_sync.orders o JOIN order_sync.outbox b ON b.order_id = o.id AND b.kind = 'push' GROUP BY 1`,
        )) as { id: string; at: number }[]
      ).map((r) => [r.id, r.at]),
    );
    const acks = new Map(orders.map((o) => [`${o.platform}:${o.platformOrderId}`, o.firstAckAt]));
    const rows = PLATFORMS.flatMap((p) =>
      made[p].map((g) => {
        const id = `${p}:${g.orderId}`;
        const ack = acks.get(id) ?? Number.NaN;
        const queued = outboxAt.get(id) ?? Number.NaN;
        return { id, total: ack - g.paidAt, intake: queued - g.paidAt, delivery: ack - queued };
      }),
    );
    const late = rows.filter((r) => !(r.total <= SLA_MS));
    const pct = (k: 'total' | 'intake' | 'delivery', p: number) => Math.round(percentile(rows.map((r) => r[k]), p));
    const stats = await e2e.sys.sandboxAdmin<{ requests: number; ordersReceived: number; duplicates: number }>('erp', 'GET', 'stats');
    console.log(
      [
        `scenario 2: ERP latency 12 s for 40 s at ${RATE_PER_PLATFORM * 3} orders/s: ${rows.length} orders, ${late.length} later than 30 s pay -> ack`,
        `  pay -> ack p50 ${pct('total', 50)} ms, p99 ${pct('total', 99)} ms, max ${pct('total', 100)} ms`,
        `  intake (pay -> outbox row) p50 ${pct('intake', 50)} ms, p99 ${pct('intake', 99)} ms, max ${pct('intake', 100)} ms`,
        `  delivery (outbox row -> ERP ack) p50 ${pct('delivery', 50)} ms, p99 ${pct('delivery', 99)} ms, max ${pct('delivery', 100)} ms`,
        `  late orders: ${late.length === 0 ? 'none' : late.slice(0, 5).map((l) => `${l.id} ${l.total} ms (intake ${l.intake} ms, delivery ${l.delivery} ms)`).join('; ')}`,
        `  ERP calls in flight up to ${mostInFlight}, adaptive limit up to ${highestLimit}; ERP totals (both scenarios): ${stats.requests} requests, ${stats.ordersReceived} orders received, ${stats.duplicates} duplicate deliveries`,
        ...timeline.map((t) => `  ${t}`),
      ].join('\n'),
    );
    expect(duplicateErpOrders(orders)).toEqual([]);
    // the delivery's share: the ERP's 12 s and at most 8 s in line for a call, for every order — so an order that
    // reaches the outbox within 10 s of payment is acked within 30 s, and any late one was late before delivery
    expect(rows.filter((r) => !(r.delivery <= 20_000)).map((r) => `${r.id} ${r.delivery} ms`)).toEqual([]);
    expect(late.filter((l) => l.intake <= SLA_MS - 20_000)).toEqual([]);
    // it took more calls in flight than the lane starts with (4): at 12 s a call, 60 orders/s need ~15 of 50 orders
    expect(highestLimit).toBeGreaterThan(4);
    await waitUntil('outbox drained', async () => ((await outboxStatusCounts(e2e.db)).pending ?? 0) === 0, 30_000, logs);
    expect((await outboxStatusCounts(e2e.db)).failed ?? 0).toBe(0);
  });
});
