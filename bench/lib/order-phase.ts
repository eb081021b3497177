/**
 * One order phase through the whole system: the simulators' generators offer a rate for a while, the bench
 * waits until every order reached the ERP (or a drain timeout) and reports pay->ERP-ack latency, losses,
 * duplicates, SLA breaches, where the time went, CPU and memory. Used by bench/orders.ts and bench/catalog.ts.
 */
import type { Client } from 'pg';
import type { Platform } from '@app/contracts';
import type { AppName, System } from '../../scripts/system';
import { latency, log, round, sleep, type Latency } from './common';
import { cpuCores, cpuSnap, procStatus, promDelta, resetPeak, scrape, type Prom } from './procs';

/** the options an order phase needs */
export interface OrderPhaseArgs {
  /** after the load, wait this long (s) for the last orders */
  drainTimeout: number;
  /** an order later than this (ms) counts as a breach */
  slaBreachMs: number;
}

export interface GeneratedRecord { orderId: string; shopId: string; paidAt: number }
export interface ErpOrder { platform: string | null; platformOrderId: string; firstAckAt: number; erpOrderId: string }
export interface GeneratorStatsView { generator: { generated: number }; push: { pending: number; postsFailed: number; retries: number } | null; tmc?: unknown }

export interface PhaseResult {
  label: string;
  offeredPerSec: number;
  durationS: number;
  sent: number;
  generatedPerSec: number;
  generatorLagS: number;
  delivered: number;
  lost: number;
  duplicated: number;
  breaches: number;
  slaBreachRows: number;
  deliveredPerSec: number;
  drainS: number;
  latencyMs: Latency;
  /** per platform (one simulated shop each): `perSec` = its acks per second over its first-to-last ack span (as deliveredPerSec) */
  byPlatform: Record<string, { sent: number; delivered: number; perSec: number; p50: number; p99: number; max: number }>;
  stagesMs: Record<string, Latency>;
  peakRssMb: Record<string, number>;
  cpu: { cores: Record<string, number>; machineBusyPct: number };
  jobs: Record<string, { perSec: number; meanMs: number; failedOrRetried: number }>;
  upstream: Record<string, number>;
  simulator: Record<string, unknown>;
  /** orders counted lost at the end of the phase's drain that reached the ERP before the run ended */
  arrivedAfterDrain: number;
  sustained?: boolean;
  verdict?: string;
}

export class OrderBench {
  private erpCreatedSeen = 0;
  private generatedSeen: Record<Platform, number>;
  private peakResetWorks = true;
  private readonly phaseKeys = new Map<PhaseResult, string[]>();

  constructor(
    private readonly sys: System,
    private readonly db: Client,
    private readonly dbName: string,
    private readonly args: OrderPhaseArgs,
  ) {
    this.generatedSeen = Object.fromEntries(sys.platforms.map((p) => [p, 0])) as Record<Platform, number>;
  }

  /** the ERP's orders by platform + platform order id (more than one = duplicated at the ERP) */
  async erpOrders(): Promise<Map<string, ErpOrder[]>> {
    const all = (await this.sys.sandboxAdmin<{ orders: ErpOrder[] }>('erp', 'GET', 'orders')).orders;
    this.erpCreatedSeen = all.length;
    const byKey = new Map<string, ErpOrder[]>();
    for (const o of all) {
      const k = `${o.platform}|${o.platformOrderId}`;
      const list = byKey.get(k);
      if (list) list.push(o);
      else byKey.set(k, [o]);
    }
    return byKey;
  }

  /**
   * At the end of the run: orders counted lost after their phase's drain that reached the ERP later are
   * moved from `lost` to `arrivedAfterDrain`; duplicates that appeared later are counted.
   */
  async reconcile(phases: PhaseResult[]): Promise<void> {
    const erp = await this.erpOrders();
    for (const ph of phases) {
      const keys = this.phaseKeys.get(ph) ?? [];
      const delivered = keys.filter((k) => erp.has(k)).length;
      ph.arrivedAfterDrain = delivered - ph.delivered;
      ph.delivered = delivered;
      ph.lost = keys.length - delivered;
      ph.duplicated = keys.filter((k) => (erp.get(k)?.length ?? 0) > 1).length;
    }
  }

  private async erpStats(): Promise<{ ordersCreated: number; duplicates: number }> {
    return this.sys.sandboxAdmin('erp', 'GET', 'stats');
  }

  private async simStats(p: Platform): Promise<GeneratorStatsView> {
    return this.sys.sandboxAdmin<GeneratorStatsView>(p, 'GET', 'stats');
  }

  /** offered `rate` orders/s in total, split evenly over the three platforms, for `durationS` */
  async run(label: string, rate: number, durationS: number): Promise<PhaseResult> {
    const { sys, args } = this;
    const pids = [...sys.processes.values()].map((p) => p.child.pid).filter((p): p is number => p !== undefined);
    for (const pid of pids) this.peakResetWorks = resetPeak(pid) && this.peakResetWorks;
    const cpu0 = cpuSnap(sys, this.dbName);
    const prom0 = new Map<string, Prom>();
    for (const app of ['gateway', 'order-sync'] as const) if (sys.metricsUrls[app]) prom0.set(app, await scrape(sys.metricsUrls[app]!));

    const before = { ...this.generatedSeen };
    const sim0 = (await Promise.all(this.sys.platforms.map((p) => this.simStats(p)))) as unknown as Array<{ accepted: number; byMethod?: Record<string, number> }>;
    const erpBefore = this.erpCreatedSeen;
    const perPlatform = rate / this.sys.platforms.length;
    const expected = Object.fromEntries(this.sys.platforms.map((p) => [p, Math.round(perPlatform * durationS)])) as Record<Platform, number>;
    const expectedTotal = this.sys.platforms.reduce((a, p) => a + expected[p], 0);
    log(`${label}: ${rate} orders/s for ${durationS} s (${expectedTotal} orders)`);

    const t0 = Date.now();
    await Promise.all(this.sys.platforms.map((p) => sys.sandboxAdmin(p, 'POST', 'generator/burst', { ratePerSec: perPlatform, durationSec: durationS })));
    // wait for the generators to finish (they run on the sandbox's clock)
    const genDeadline = t0 + durationS * 1000 + 30_000;
    for (;;) {
      await sleep(500);
      const s = await Promise.all(this.sys.platforms.map((p) => this.simStats(p)));
      if (this.sys.platforms.every((p, i) => s[i].generator.generated >= before[p] + expected[p])) break;
      if (Date.now() > genDeadline) {
        log(`${label}: generators did not finish in time: ${this.sys.platforms.map((p, i) => `${p} ${s[i].generator.generated - before[p]}/${expected[p]}`).join(', ')}`);
        break;
      }
    }
    const tLoadEnd = Date.now();
    // what was sent in this phase
    const sent: Array<GeneratedRecord & { platform: Platform }> = [];
    for (const p of this.sys.platforms) {
      const all = await sys.sandboxAdmin<GeneratedRecord[]>(p, 'GET', 'generated');
      for (const r of all.slice(before[p])) sent.push({ ...r, platform: p });
      this.generatedSeen[p] = all.length;
    }
    const sentKeys = new Set(sent.map((r) => `${r.platform}|${r.orderId}`));
    // drain: until every order of the phase is in the ERP, or the drain timeout. The ERP's created counter is the
    // cheap signal (it also counts late orders of earlier phases), the order list the check.
    const drainDeadline = tLoadEnd + args.drainTimeout * 1000;
    let erpByKey = new Map<string, ErpOrder[]>();
    for (;;) {
      const created = (await this.erpStats()).ordersCreated - erpBefore;
      if (created >= sent.length) {
        erpByKey = await this.erpOrders();
        if ([...sentKeys].every((k) => erpByKey.has(k))) break;
      }
      if (Date.now() > drainDeadline) {
        erpByKey = await this.erpOrders();
        break;
      }
      await sleep(created >= sent.length ? 1000 : 250);
    }
    const tEnd = Date.now();
    const cpu1 = cpuSnap(sys, this.dbName);
    const peakRssMb: Record<string, number> = {};
    for (const p of sys.processes.values()) peakRssMb[p.name] = p.child.pid ? procStatus(p.child.pid, 'VmHWM') : 0;
    const wallS = (tEnd - t0) / 1000;
    const jobs: PhaseResult['jobs'] = {};
    const upstream: PhaseResult['upstream'] = {};
    for (const [app, a] of prom0) {
      const d = promDelta(a, await scrape(sys.metricsUrls[app as AppName]!), wallS);
      for (const [k, v] of Object.entries(d.jobs)) jobs[`${app}:${k}`] = v;
      for (const [k, v] of Object.entries(d.upstream)) upstream[`${app}:${k}`] = v;
    }
    const simulator: Record<string, unknown> = {};
    for (const [i, p] of this.sys.platforms.entries()) {
      const s = (await this.simStats(p)) as unknown as Record<string, unknown> & { requests: number; accepted: number; byMethod?: Record<string, number> };
      // API calls the apps made to this platform in the phase, by method (the simulator's counters)
      const methods: Record<string, number> = {};
      for (const [m, n] of Object.entries(s.byMethod ?? {})) {
        const d = n - (sim0[i].byMethod?.[m] ?? 0);
        if (d > 0) methods[m] = d;
      }
      simulator[p] = { calls: s.accepted - sim0[i].accepted, rejectedTotal: s.rejected, methods, push: s.push, tmc: s.tmc };
    }

    const lat: number[] = [];
    const perPlat: Record<string, { sent: number; lat: number[]; firstAck: number; lastAck: number }> = {};
    let delivered = 0;
    let duplicated = 0;
    let lastAck = 0;
    let firstAck = Number.POSITIVE_INFINITY;
    const late = new Set<string>();
    for (const r of sent) {
      const k = `${r.platform}|${r.orderId}`;
      const pp = (perPlat[r.platform] ??= { sent: 0, lat: [], firstAck: Number.POSITIVE_INFINITY, lastAck: 0 });
      pp.sent++;
      const got = erpByKey.get(k);
      if (!got) continue;
      delivered++;
      if (got.length > 1) duplicated++;
      const first = Math.min(...got.map((o) => o.firstAckAt));
      const ms = first - r.paidAt;
      lat.push(ms);
      pp.lat.push(ms);
      pp.firstAck = Math.min(pp.firstAck, first);
      pp.lastAck = Math.max(pp.lastAck, first);
      if (ms > args.slaBreachMs) late.add(k);
      lastAck = Math.max(lastAck, first);
      firstAck = Math.min(firstAck, first);
    }
    // SLA breaches recorded by order-sync for this phase's orders (plus any order later than the SLA)
    const breachRows: Array<{ platform: string; platform_order_id: string }> = (
      await this.db.query(
        `SELECT o.platform, o.platform_order_id FROM order_sync.sla_events e JOIN order_sync.orders o ON o.id = e.order_id
          WHERE e.level = 'breach' AND e.disproved_at IS NULL AND e.at >= to_timestamp($1 / 1000.0)`,
        [t0],
      )
    ).rows;
    const breached = new Set(late);
    let slaBreachRows = 0;
    for (const b of breachRows) {
      const k = `${b.platform}|${b.platform_order_id}`;
      if (!sentKeys.has(k)) continue;
      slaBreachRows++;
      breached.add(k);
    }

    const stagesMs = await this.stages(sent, t0);
    const lastPaid = sent.reduce((a, r) => Math.max(a, r.paidAt), t0);
    const res: PhaseResult = {
      label,
      offeredPerSec: rate,
      durationS,
      sent: sent.length,
      generatedPerSec: round(sent.length / Math.max(0.001, (lastPaid - t0) / 1000 || durationS), 1),
      generatorLagS: round((lastPaid - t0) / 1000 - durationS, 2),
      delivered,
      lost: sent.length - delivered,
      duplicated,
      breaches: breached.size,
      slaBreachRows,
      // acks per second over the span of the phase's acks: equals the offered rate while latency is steady,
      // falls below it when a backlog builds (the last acks come later and later)
      deliveredPerSec: delivered > 1 ? round((delivered - 1) / Math.max(0.001, (lastAck - firstAck) / 1000), 1) : 0,
      drainS: round((Math.max(lastAck, tLoadEnd) - tLoadEnd) / 1000, 2),
      latencyMs: latency(lat),
      byPlatform: Object.fromEntries(
        Object.entries(perPlat).map(([p, v]) => {
          const l = latency(v.lat);
          const perSec = v.lat.length > 1 ? round((v.lat.length - 1) / Math.max(0.001, (v.lastAck - v.firstAck) / 1000), 1) : 0;
          return [p, { sent: v.sent, delivered: v.lat.length, perSec, p50: l.p50, p99: l.p99, max: l.max }];
        }),
      ),
      stagesMs,
      peakRssMb,
      cpu: cpuCores(cpu0, cpu1),
      jobs,
      upstream,
      simulator,
      arrivedAfterDrain: 0,
    };
    this.phaseKeys.set(res, [...sentKeys]);
    return res;
  }

  /**
   * Where the time goes, from the rows order-sync wrote (ms, per order of the phase):
   * paid -> inbox (platform push / TMC hop + gateway or TMC consumer write), inbox -> order row (order-events queue +
   * normalise + upsert, incl. platform detail/list calls), order row -> ERP ack (outbox + erp-push queue + ERP call).
   */
  private async stages(sent: Array<GeneratedRecord & { platform: Platform }>, t0: number): Promise<Record<string, Latency>> {
    const rows: Array<{ platform: string; platform_order_id: string; inbox_ms: string | null; order_ms: string; outbox_ms: string | null; ack_ms: string | null }> = (
      await this.db.query(
        `SELECT o.platform, o.platform_order_id,
                (SELECT extract(epoch FROM min(i.received_at)) * 1000 FROM order_sync.inbox i
                  WHERE i.platform = o.platform AND i.platform_order_id = o.platform_order_id) AS inbox_ms,
                extract(epoch FROM o.first_seen_at) * 1000 AS order_ms,
                (SELECT extract(epoch FROM min(x.created_at)) * 1000 FROM order_sync.outbox x WHERE x.order_id = o.id AND x.kind = 'push') AS outbox_ms,
                extract(epoch FROM o.erp_acked_at) * 1000 AS ack_ms
           FROM order_sync.orders o WHERE o.first_seen_at >= to_timestamp($1 / 1000.0) - interval '2 seconds'`,
        [t0],
      )
    ).rows;
    const paid = new Map(sent.map((r) => [`${r.platform}|${r.orderId}`, r.paidAt]));
    const s: Record<string, number[]> = { 'paid->inbox': [], 'inbox->order': [], 'order->outbox': [], 'outbox->erpAck': [] };
    for (const p of this.sys.platforms) s[`paid->inbox ${p}`] = [];
    for (const r of rows) {
      const p = paid.get(`${r.platform}|${r.platform_order_id}`);
      if (p === undefined) continue;
      const inbox = r.inbox_ms === null ? null : Number(r.inbox_ms);
      const order = Number(r.order_ms);
      const outbox = r.outbox_ms === null ? null : Number(r.outbox_ms);
      const ack = r.ack_ms === null ? null : Number(r.ack_ms);
      if (inbox !== null) {
        s['paid->inbox'].push(inbox - p);
        s[`paid->inbox ${r.platform}`]?.push(inbox - p);
        s['inbox->order'].push(order - inbox);
      }
      if (outbox !== null) {
        s['order->outbox'].push(outbox - order);
        if (ack !== null) s['outbox->erpAck'].push(ack - outbox);
      }
    }
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, latency(v)]));
  }

  get peakResetSupported(): boolean {
    return this.peakResetWorks;
  }
}

export function phaseTable(rows: PhaseResult[]): string {
  const cols: Array<[string, (r: PhaseResult) => string | number]> = [
    ['phase', (r) => r.label],
    ['offered/s', (r) => r.offeredPerSec],
    ['gen/s', (r) => r.generatedPerSec],
    ['sent', (r) => r.sent],
    ['delivered', (r) => r.delivered],
    ['lost', (r) => r.lost],
    ['dup', (r) => r.duplicated],
    ['breach', (r) => r.breaches],
    ['deliv/s', (r) => r.deliveredPerSec],
    ['p50 ms', (r) => r.latencyMs.p50],
    ['p95 ms', (r) => r.latencyMs.p95],
    ['p99 ms', (r) => r.latencyMs.p99],
    ['max ms', (r) => r.latencyMs.max],
    ['drain s', (r) => r.drainS],
    ['late', (r) => r.arrivedAfterDrain],
    ['verdict', (r) => r.verdict ?? ''],
  ];
  const cells = [cols.map((c) => c[0]), ...rows.map((r) => cols.map((c) => String(c[1](r))))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row, j) => row.map((c, i) => (i === 0 || i === cols.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + (j === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
}

export function phaseDetail(r: PhaseResult): string {
  const lines = [`  ${r.label}:`];
  lines.push(`    by platform: ${Object.entries(r.byPlatform).map(([p, v]) => `${p} ${v.delivered}/${v.sent} ${v.perSec}/s p50 ${v.p50} p99 ${v.p99} max ${v.max}`).join(' | ')}`);
  lines.push(`    stages p50/p99 ms: ${Object.entries(r.stagesMs).map(([k, v]) => `${k} ${v.p50}/${v.p99}`).join(' | ')}`);
  lines.push(`    cpu cores: ${Object.entries(r.cpu.cores).map(([k, v]) => `${k}=${v}`).join(' ')} machine=${r.cpu.machineBusyPct}%`);
  lines.push(`    peak RSS MB: ${Object.entries(r.peakRssMb).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const jobs = Object.entries(r.jobs).filter(([, v]) => v.perSec > 0 || v.failedOrRetried > 0);
  if (jobs.length) lines.push(`    jobs: ${jobs.map(([k, v]) => `${k} ${v.perSec}/s ${v.meanMs}ms${v.failedOrRetried ? ` (${v.failedOrRetried} failed/retried)` : ''}`).join(' | ')}`);
  const calls = Object.entries(r.simulator as Record<string, { methods?: Record<string, number> }>)
    .map(([p, v]) => {
      const sent = r.byPlatform[p]?.sent ?? 0;
      const per = Object.entries(v.methods ?? {}).map(([m, n]) => `${m} ${sent > 0 ? (n / sent).toFixed(2) : n}`);
      return per.length ? `${p} ${per.join(', ')}` : '';
    })
    .filter(Boolean);
  if (calls.length) lines.push(`    platform calls per order: ${calls.join(' | ')}`);
  if (Object.keys(r.upstream).length) lines.push(`    upstream calls: ${Object.entries(r.upstream).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return lines.join('\n');
}
