/**
 * `npm run bench:orders` — a flash-sale burst on the three simulated platforms (Douyin push, Taobao TMC,
 * Xiaohongshu push) through the whole system (gateway + order-sync as separate processes, real Postgres
 * and Redis) into the ERP simulator. Method and how to read the output: bench/README.md.
 *
 *   npm run bench:orders                                   # full run (~3-5 min)
 *   npm run bench:orders -- --duration 5 --max-steps 2     # quick check
 *   npm run bench:orders -- --with-baseline                # then ../shared/baseline, side by side
 *
 * The last line printed is one JSON object (the summary); the full result goes to
 * bench/results/orders-<ISO timestamp>.json and bench/results/orders-latest.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { Platform } from '@app/contracts';
import { SIM_PLATFORMS, startSystem, type AppName, type System } from '../scripts/system';

const ROOT = join(__dirname, '..');
const RESULTS_DIR = join(__dirname, 'results');
const BASELINE_DIR = join(ROOT, '..', 'shared', 'baseline');
const ADMIN_DB_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLK_TCK = 100;

// ------------------------------------------------------------------------------------------- options

interface Args {
  warmup: number;
  warmupRate: number;
  rate: number;
  duration: number;
  steps: number[];
  stepDuration: number;
  maxSteps: number;
  p99BoundMs: number;
  keepUpRatio: number;
  drainTimeout: number;
  sandboxQps: number;
  platformQps: number;
  allApps: boolean;
  keep: boolean;
  withBaseline: boolean;
  baselineRates: number[] | null;
  baselineDuration: number;
  slaBreachMs: number;
}

const HELP = `usage: npm run bench:orders -- [options]
  --warmup S            warm-up seconds (default 5)            --warmup-rate N   orders/s in warm-up (default 60)
  --rate N              fixed-rate phase, orders/s total (300)  --duration S      fixed-rate and 80 % phases (20)
  --steps a,b,...       offered rates of the step-up search (300,450,600,750,900,1050,1200,1500)
  --step-duration S     seconds per step (10)                   --max-steps N     try at most N steps (all)
  --p99-bound MS        a step is sustained only if its pay->ack p99 <= this (2000)
  --keep-up R           ... and delivered/s >= R x offered (0.95)
  --drain-timeout S     after each phase, wait this long for the last orders (60)
  --sandbox-qps N       SANDBOX_QPS: simulator limit per shop (5000)
  --platform-qps N      PLATFORM_QPS_PER_SHOP of the apps (2000)
  --all-apps            also start catalog-sync and coupon (idle on this path; default: gateway + order-sync)
  --keep                keep the bench database (default: dropped)
  --with-baseline       then run ../shared/baseline/run.sh and report the ratio
  --baseline-rates a,b  baseline open-loop rates (default: the steps up to one above our maximum)
  --baseline-duration S seconds per baseline rate (default: --step-duration)`;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    warmup: 5,
    warmupRate: 60,
    rate: 300,
    duration: 20,
    steps: [300, 450, 600, 750, 900, 1050, 1200, 1500],
    stepDuration: 10,
    maxSteps: Number.POSITIVE_INFINITY,
    p99BoundMs: 2000,
    keepUpRatio: 0.95,
    drainTimeout: 60,
    sandboxQps: 5000,
    platformQps: 2000,
    allApps: false,
    keep: false,
    withBaseline: false,
    baselineRates: null,
    baselineDuration: Number.NaN,
    slaBreachMs: 30_000,
  };
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got ${String(v)}`);
    return n;
  };
  const list = (name: string, v: string | undefined): number[] => {
    const out = (v ?? '').split(',').filter((s) => s !== '').map((s) => num(name, s));
    if (out.length === 0) throw new Error(`--${name} needs a comma-separated list of numbers`);
    return out;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => argv[++i];
    switch (flag) {
      case '--warmup': a.warmup = num('warmup', next()); break;
      case '--warmup-rate': a.warmupRate = num('warmup-rate', next()); break;
      case '--rate': a.rate = num('rate', next()); break;
      case '--duration': a.duration = num('duration', next()); break;
      case '--steps': a.steps = list('steps', next()); break;
      case '--step-duration': a.stepDuration = num('step-duration', next()); break;
      case '--max-steps': a.maxSteps = num('max-steps', next()); break;
      case '--p99-bound': a.p99BoundMs = num('p99-bound', next()); break;
      case '--keep-up': a.keepUpRatio = num('keep-up', next()); break;
      case '--drain-timeout': a.drainTimeout = num('drain-timeout', next()); break;
      case '--sandbox-qps': a.sandboxQps = num('sandbox-qps', next()); break;
      case '--platform-qps': a.platformQps = num('platform-qps', next()); break;
      case '--all-apps': a.allApps = true; break;
      case '--keep': a.keep = true; break;
      case '--with-baseline': a.withBaseline = true; break;
      case '--baseline-rates': a.baselineRates = list('baseline-rates', next()); break;
      case '--baseline-duration': a.baselineDuration = num('baseline-duration', next()); break;
      case '-h':
      case '--help':
        process.stdout.write(`${HELP}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}\n${HELP}`);
    }
  }
  if (Number.isNaN(a.baselineDuration)) a.baselineDuration = a.stepDuration;
  return a;
}

// ------------------------------------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const round = (x: number, d = 0) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

interface Latency { n: number; p50: number; p95: number; p99: number; max: number; mean: number }
function latency(values: number[]): Latency {
  const s = Float64Array.from(values).sort();
  const pct = (p: number) => (s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
  const mean = s.length === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, p50: round(pct(50)), p95: round(pct(95)), p99: round(pct(99)), max: round(s.length ? s[s.length - 1] : Number.NaN), mean: round(mean) };
}

function procStat(pid: number): { cpuS: number } | null {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return { cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK };
  } catch {
    return null;
  }
}

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** resets VmHWM to the current RSS (Linux clear_refs "5"), so each phase gets its own peak */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** pid groups whose CPU time a phase reports: our children, this process, our database's backends, Redis */
function cpuGroups(sys: System, dbName: string): Record<string, number[]> {
  const groups: Record<string, number[]> = { bench: [process.pid], 'postgres(our db)': [], 'postgres(bg)': [], redis: [] };
  for (const p of sys.processes.values()) if (p.child.pid) groups[p.name] = [p.child.pid];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (comm.startsWith('redis-server')) groups.redis.push(Number(d));
      else if (comm === 'postgres') {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if (cmd.includes(` ${dbName} `)) groups['postgres(our db)'].push(Number(d));
        else if (/checkpointer|background writer|walwriter/.test(cmd)) groups['postgres(bg)'].push(Number(d));
      }
    } catch {
      // the process went away
    }
  }
  return groups;
}

interface CpuSnap { t: number; byPid: Map<number, number>; groups: Record<string, number[]>; machine: { busy: number; total: number } }
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}
function cpuSnap(sys: System, dbName: string): CpuSnap {
  const groups = cpuGroups(sys, dbName);
  const byPid = new Map<number, number>();
  for (const pids of Object.values(groups)) for (const pid of pids) byPid.set(pid, procStat(pid)?.cpuS ?? 0);
  return { t: Date.now(), byPid, groups, machine: machineCpu() };
}
/** cores used per group between two snapshots (a pid that appears only in b counts from 0) */
function cpuCores(a: CpuSnap, b: CpuSnap): { cores: Record<string, number>; machineBusyPct: number } {
  const wall = (b.t - a.t) / 1000;
  const cores: Record<string, number> = {};
  for (const [name, pids] of Object.entries(b.groups)) {
    const used = pids.reduce((acc, pid) => acc + Math.max(0, (b.byPid.get(pid) ?? 0) - (a.byPid.get(pid) ?? 0)), 0);
    cores[name] = round(used / wall, 2);
  }
  const machineBusyPct = round((100 * (b.machine.busy - a.machine.busy)) / Math.max(1, b.machine.total - a.machine.total), 1);
  return { cores, machineBusyPct };
}

/** the few Prometheus series the report uses: job durations by queue, upstream calls */
type Prom = Map<string, number>;
async function scrape(url: string): Promise<Prom> {
  const out: Prom = new Map();
  try {
    const res = await axios.get<string>(`${url}/metrics`, { timeout: 5000, responseType: 'text', validateStatus: () => true });
    if (res.status !== 200) return out;
    for (const line of String(res.data).split('\n')) {
      if (!/^(job_duration_seconds_(sum|count)|upstream_requests_total|jobs_processed_total)\{/.test(line)) continue;
      const i = line.lastIndexOf(' ');
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
  } catch {
    // metrics are a diagnostic; the bench goes on without them
  }
  return out;
}
function labels(series: string): Record<string, string> {
  const m = /\{(.*)\}/.exec(series);
  const out: Record<string, string> = {};
  for (const kv of (m?.[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) out[kv[1]] = kv[2];
  return out;
}
/** per queue/job: jobs done in the phase and their mean processing time; upstream calls by class */
function promDelta(a: Prom, b: Prom, wallS: number): { jobs: Record<string, { perSec: number; meanMs: number; failedOrRetried: number }>; upstream: Record<string, number> } {
  const jobs: Record<string, { perSec: number; meanMs: number; failedOrRetried: number }> = {};
  const upstream: Record<string, number> = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d === 0) continue;
    const l = labels(k);
    if (k.startsWith('job_duration_seconds_count') && l.outcome === 'completed') {
      const sum = (b.get(k.replace('_count', '_sum')) ?? 0) - (a.get(k.replace('_count', '_sum')) ?? 0);
      jobs[`${l.queue}/${l.job}`] = { ...(jobs[`${l.queue}/${l.job}`] ?? { failedOrRetried: 0 }), perSec: round(d / wallS, 1), meanMs: round((1000 * sum) / d, 1) };
    } else if (k.startsWith('jobs_processed_total') && l.outcome !== 'completed') {
      const key = `${l.queue}/${l.job}`;
      const prev = jobs[key] ?? { perSec: 0, meanMs: 0, failedOrRetried: 0 };
      jobs[key] = { ...prev, failedOrRetried: prev.failedOrRetried + d };
    } else if (k.startsWith('upstream_requests_total')) {
      upstream[`${l.upstream} ${l.status_class}`] = d;
    }
  }
  return { jobs, upstream };
}

// ------------------------------------------------------------------------------------------- phases

interface GeneratedRecord { orderId: string; shopId: string; paidAt: number }
interface ErpOrder { platform: string | null; platformOrderId: string; firstAckAt: number; erpOrderId: string }
interface GeneratorStatsView { generator: { generated: number }; push: { pending: number; postsFailed: number; retries: number } | null; tmc?: unknown }

interface PhaseResult {
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
  byPlatform: Record<string, { sent: number; delivered: number; p50: number; p99: number; max: number }>;
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

class Bench {
  private erpCreatedSeen = 0;
  private generatedSeen: Record<Platform, number> = { douyin: 0, taobao: 0, xiaohongshu: 0 };
  private peakResetWorks = true;
  private readonly phaseKeys = new Map<PhaseResult, string[]>();

  constructor(
    private readonly sys: System,
    private readonly db: Client,
    private readonly dbName: string,
    private readonly args: Args,
  ) {}

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
    for (const app of ['gateway', 'order-sync'] as const) if (sys.urls[app]) prom0.set(app, await scrape(sys.urls[app]));

    const before = { ...this.generatedSeen };
    const sim0 = (await Promise.all(SIM_PLATFORMS.map((p) => this.simStats(p)))) as unknown as Array<{ accepted: number }>;
    const erpBefore = this.erpCreatedSeen;
    const perPlatform = rate / SIM_PLATFORMS.length;
    const expected = Object.fromEntries(SIM_PLATFORMS.map((p) => [p, Math.round(perPlatform * durationS)])) as Record<Platform, number>;
    const expectedTotal = SIM_PLATFORMS.reduce((a, p) => a + expected[p], 0);
    log(`${label}: ${rate} orders/s for ${durationS} s (${expectedTotal} orders)`);

    const t0 = Date.now();
    await Promise.all(SIM_PLATFORMS.map((p) => sys.sandboxAdmin(p, 'POST', 'generator/burst', { ratePerSec: perPlatform, durationSec: durationS })));
    // wait for the generators to finish (they run on the sandbox's clock)
    const genDeadline = t0 + durationS * 1000 + 30_000;
    for (;;) {
      await sleep(500);
      const s = await Promise.all(SIM_PLATFORMS.map((p) => this.simStats(p)));
      if (SIM_PLATFORMS.every((p, i) => s[i].generator.generated >= before[p] + expected[p])) break;
      if (Date.now() > genDeadline) {
        log(`${label}: generators did not finish in time: ${SIM_PLATFORMS.map((p, i) => `${p} ${s[i].generator.generated - before[p]}/${expected[p]}`).join(', ')}`);
        break;
      }
    }
    const tLoadEnd = Date.now();
    // what was sent in this phase
    const sent: Array<GeneratedRecord & { platform: Platform }> = [];
    for (const p of SIM_PLATFORMS) {
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
      const d = promDelta(a, await scrape(sys.urls[app]), wallS);
      for (const [k, v] of Object.entries(d.jobs)) jobs[`${app}:${k}`] = v;
      for (const [k, v] of Object.entries(d.upstream)) upstream[`${app}:${k}`] = v;
    }
    const simulator: Record<string, unknown> = {};
    for (const [i, p] of SIM_PLATFORMS.entries()) {
      const s = (await this.simStats(p)) as unknown as Record<string, unknown> & { requests: number; accepted: number };
      // API calls the apps made to this platform in the phase, by method (from the simulator's request log)
      const methods: Record<string, number> = {};
      for (const e of await sys.sandboxAdmin<Array<{ at: number; method: string }>>(p, 'GET', 'requests')) {
        if (e.at >= t0 && e.at <= tEnd) methods[e.method] = (methods[e.method] ?? 0) + 1;
      }
      simulator[p] = { calls: s.accepted - sim0[i].accepted, rejectedTotal: s.rejected, methods, push: s.push, tmc: s.tmc };
    }

    const lat: number[] = [];
    const perPlat: Record<string, { sent: number; lat: number[] }> = {};
    let delivered = 0;
    let duplicated = 0;
    let lastAck = 0;
    let firstAck = Number.POSITIVE_INFINITY;
    const late = new Set<string>();
    for (const r of sent) {
      const k = `${r.platform}|${r.orderId}`;
      const pp = (perPlat[r.platform] ??= { sent: 0, lat: [] });
      pp.sent++;
      const got = erpByKey.get(k);
      if (!got) continue;
      delivered++;
      if (got.length > 1) duplicated++;
      const first = Math.min(...got.map((o) => o.firstAckAt));
      const ms = first - r.paidAt;
      lat.push(ms);
      pp.lat.push(ms);
      if (ms > args.slaBreachMs) late.add(k);
      lastAck = Math.max(lastAck, first);
      firstAck = Math.min(firstAck, first);
    }
    // SLA breaches recorded by order-sync for this phase's orders (plus any order later than the SLA)
    const breachRows: Array<{ platform: string; platform_order_id: string }> = (
      await this.db.query(
        `SELECT o.platform, o.platform_order_id FROM order_sync.sla_events e JOIN order_sync.orders o ON o.id = e.order_id
          WHERE e.level = 'breach' AND e.at >= to_timestamp($1 / 1000.0)`,
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
          return [p, { sent: v.sent, delivered: v.lat.length, p50: l.p50, p99: l.p99, max: l.max }];
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
    for (const p of SIM_PLATFORMS) s[`paid->inbox ${p}`] = [];
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

// ------------------------------------------------------------------------------------------- baseline

interface BaselineLoad {
  acceptRate: { median: number };
  completionRate: { median: number };
  e2eP50: { median: number };
  e2eP99: { median: number };
  runs: Array<{ accepted: number; completed: number; errors: number; dropped: number }>;
}
interface BaselineSummary {
  ran: boolean;
  message?: string;
  rates?: Array<{ offered: number; completedPerSec: number; e2eP50Ms: number; e2eP99Ms: number; sustained: boolean }>;
  ordersPerSec?: number;
  p99MsAt300?: number | null;
  resultsDir?: string;
}

async function runBaseline(args: Args, ourMax: number): Promise<BaselineSummary> {
  const script = join(BASELINE_DIR, 'run.sh');
  if (!existsSync(script)) return { ran: false, message: `baseline not found at ${script} (expected ../shared/baseline next to the project root); skipped` };
  const rates = args.baselineRates ?? (() => {
    const sorted = [...args.steps].sort((a, b) => a - b);
    const above = sorted.findIndex((r) => r > Math.max(ourMax, 600));
    return above < 0 ? sorted : sorted.slice(0, above + 1);
  })();
  const out = mkdtempSync(join(tmpdir(), 'omnisync-baseline-'));
  log(`baseline: ${script} --rates ${rates.join(',')} --duration ${args.baselineDuration} --runs 1 (results in ${out})`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn('bash', [script, '--rates', rates.join(','), '--duration', String(args.baselineDuration), '--runs', '1'], {
      cwd: BASELINE_DIR,
      env: { ...process.env, BASELINE_OUT: out },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', (c) => resolve(c ?? 1));
    child.once('error', () => resolve(1));
  });
  if (code !== 0) return { ran: false, message: `baseline run.sh exited with ${code}`, resultsDir: out };
  // run.sh writes <BASELINE_OUT>/<date>/5-pipeline-<tag>.json
  const file = (readdirSync(out, { recursive: true }) as string[]).find((f) => f.endsWith('.json'));
  if (!file) return { ran: false, message: `baseline wrote no JSON to ${out}`, resultsDir: out };
  const json = JSON.parse(readFileSync(join(out, file), 'utf8')) as { loads: Record<string, BaselineLoad> };
  const list = Object.entries(json.loads).map(([label, l]) => {
    const offered = Number(/open-(\d+)/.exec(label)?.[1] ?? 0);
    const r = l.runs[0];
    const sustained =
      r.errors === 0 && r.dropped === 0 && r.completed >= r.accepted && l.completionRate.median >= args.keepUpRatio * offered && l.e2eP99.median <= args.p99BoundMs;
    return { offered, completedPerSec: l.completionRate.median, e2eP50Ms: l.e2eP50.median, e2eP99Ms: l.e2eP99.median, sustained };
  });
  list.sort((a, b) => a.offered - b.offered);
  let best = 0;
  for (const r of list) {
    if (!r.sustained) break;
    best = r.offered;
  }
  return { ran: true, rates: list, ordersPerSec: best, p99MsAt300: list.find((r) => r.offered === 300)?.e2eP99Ms ?? null, resultsDir: out };
}

// ------------------------------------------------------------------------------------------- report

function table(rows: PhaseResult[]): string {
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

function detail(r: PhaseResult): string {
  const lines = [`  ${r.label}:`];
  lines.push(`    by platform: ${Object.entries(r.byPlatform).map(([p, v]) => `${p} ${v.delivered}/${v.sent} p50 ${v.p50} p99 ${v.p99} max ${v.max}`).join(' | ')}`);
  lines.push(`    stages p50/p99 ms: ${Object.entries(r.stagesMs).map(([k, v]) => `${k} ${v.p50}/${v.p99}`).join(' | ')}`);
  lines.push(`    cpu cores: ${Object.entries(r.cpu.cores).map(([k, v]) => `${k}=${v}`).join(' ')} machine=${r.cpu.machineBusyPct}%`);
  lines.push(`    peak RSS MB: ${Object.entries(r.peakRssMb).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const jobs = Object.entries(r.jobs).filter(([, v]) => v.perSec > 0 || v.failedOrRetried > 0);
  if (jobs.length) lines.push(`    jobs: ${jobs.map(([k, v]) => `${k} ${v.perSec}/s ${v.meanMs}ms${v.failedOrRetried ? ` (${v.failedOrRetried} failed/retried)` : ''}`).join(' | ')}`);
  if (Object.keys(r.upstream).length) lines.push(`    upstream calls: ${Object.entries(r.upstream).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------- main

async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let n = 0;
  try {
    for (const pattern of [`${prefix}:*`, `${prefix}-*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) n += await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').toLowerCase();
  const dbName = `omnisync_bench_${stamp}_${randomBytes(2).toString('hex')}`;
  const prefix = `bench-${stamp}-${randomBytes(2).toString('hex')}`;
  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${dbName}`;
  const apps: AppName[] = args.allApps ? ['gateway', 'order-sync', 'catalog-sync', 'coupon'] : ['gateway', 'order-sync'];
  const settings = {
    apps,
    SANDBOX_QPS: args.sandboxQps,
    PLATFORM_QPS_PER_SHOP: args.platformQps,
    SANDBOX_TMC_REDELIVER_MS: 20_000,
    SLA_BREACH_MS: args.slaBreachMs,
    database: dbName,
    bullmqPrefix: prefix,
    cpus: readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length,
    node: process.version,
  };

  let sys: System | null = null;
  let db: Client | null = null;
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (db) await db.end().catch(() => undefined);
      if (sys) await sys.stop().catch((e: unknown) => log(`stopping the system failed: ${String(e)}`));
      if (!args.keep) await dropDatabase(dbName).catch((e: unknown) => log(`dropping ${dbName} failed: ${String(e)}`));
      else log(`kept database ${dbName}`);
      const n = await deleteRedisKeys(sys?.options.redisUrl ?? 'redis://127.0.0.1:6379', prefix).catch(() => -1);
      if (n < 0) log(`could not delete Redis keys ${prefix}*`);
    })());
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const phases: PhaseResult[] = [];
  const steps: PhaseResult[] = [];
  let maxSustained = 0;
  let rateAt80 = 0;
  let at80: PhaseResult | null = null;
  let fixed: PhaseResult | null = null;
  let peakResetSupported = true;
  try {
    log(`starting sandbox + ${apps.join(' + ')} (database ${dbName}, prefix ${prefix})`);
    sys = await startSystem({
      databaseUrl: dbUrl.toString(),
      prefix,
      apps,
      env: { LOG_LEVEL: 'warn', PLATFORM_QPS_PER_SHOP: String(args.platformQps) },
      appEnv: { 'order-sync': { SLA_BREACH_MS: String(args.slaBreachMs) } },
      sandboxEnv: { SANDBOX_QPS: String(args.sandboxQps), SANDBOX_TMC_REDELIVER_MS: '20000' },
      log: (l) => log(l),
    });
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const bench = new Bench(sys, db, dbName, args);

    // (a) warm-up
    if (args.warmup > 0 && args.warmupRate > 0) {
      const w = await bench.run('warm-up', args.warmupRate, args.warmup);
      w.verdict = 'warm-up';
      phases.push(w);
    }
    // (b) fixed rate
    fixed = await bench.run(`fixed ${args.rate}/s`, args.rate, args.duration);
    phases.push(fixed);
    log(table([fixed]));
    // (c) step-up: highest offered rate that is sustained
    const step = async (rate: number): Promise<boolean> => {
      const r = await bench.run(`step ${rate}/s`, rate, args.stepDuration);
      const reasons: string[] = [];
      if (r.lost > 0) reasons.push(`${r.lost} not delivered after drain`);
      if (r.generatorLagS > Math.max(0.5, 0.1 * args.stepDuration)) reasons.push(`generator lagged ${r.generatorLagS} s (sandbox cannot offer this rate)`);
      if (r.deliveredPerSec < args.keepUpRatio * rate) reasons.push(`delivered ${r.deliveredPerSec}/s < ${args.keepUpRatio} x offered`);
      if (!(r.latencyMs.p99 <= args.p99BoundMs)) reasons.push(`p99 ${r.latencyMs.p99} ms > ${args.p99BoundMs} ms`);
      r.sustained = reasons.length === 0;
      r.verdict = r.sustained ? 'sustained' : `NOT sustained: ${reasons.join('; ')}`;
      steps.push(r);
      phases.push(r);
      log(table([r]));
      if (r.sustained) maxSustained = Math.max(maxSustained, rate);
      return r.sustained;
    };
    const budget = () => steps.length < args.maxSteps;
    const stepRates = [...args.steps].sort((a, b) => a - b);
    for (const rate of stepRates) {
      if (!budget() || !(await step(rate))) break;
    }
    // below the first step: halve until a rate is sustained (so the report has a maximum even on a slow system)
    for (let rate = Math.floor(stepRates[0] / 2); maxSustained === 0 && rate >= 10 && budget(); rate = Math.floor(rate / 2)) await step(rate);
    // (d) 80 % of the maximum (of the best delivered rate when no step was sustained)
    const bestDelivered = Math.max(0, ...steps.map((s) => s.deliveredPerSec));
    rateAt80 = Math.round(0.8 * (maxSustained > 0 ? maxSustained : bestDelivered));
    if (rateAt80 > 0) {
      at80 = await bench.run(`80% ${rateAt80}/s`, rateAt80, args.duration);
      at80.verdict = maxSustained > 0 ? `80 % of ${maxSustained}/s` : `80 % of best delivered ${bestDelivered}/s (no step sustained)`;
      phases.push(at80);
    }
    peakResetSupported = bench.peakResetSupported;
    await bench.reconcile(phases);
  } catch (e) {
    await cleanup();
    throw e;
  }
  const lifetimePeak = sys!.peakRssMb();
  await cleanup();

  let baseline: BaselineSummary | null = null;
  if (args.withBaseline) baseline = await runBaseline(args, maxSustained);

  // ---- summary
  const peakByProcess: Record<string, number> = { ...lifetimePeak };
  for (const ph of phases) for (const [k, v] of Object.entries(ph.peakRssMb)) peakByProcess[k] = Math.max(peakByProcess[k] ?? 0, v);
  const appPeaks = Object.entries(peakByProcess).filter(([k]) => k !== 'sandbox');
  const peakRssMb = Math.max(0, ...appPeaks.map(([, v]) => v));
  const total = (f: (p: PhaseResult) => number) => phases.reduce((a, p) => a + f(p), 0);
  const summary = {
    sent: total((p) => p.sent),
    delivered: total((p) => p.delivered),
    lost: total((p) => p.lost),
    duplicated: total((p) => p.duplicated),
    breaches: total((p) => p.breaches),
    ordersPerSec: maxSustained,
    ordersPerSecDelivered: steps.find((s) => s.offeredPerSec === maxSustained)?.deliveredPerSec ?? 0,
    fixedRate: args.rate,
    p50Ms: fixed?.latencyMs.p50 ?? null,
    p95Ms: fixed?.latencyMs.p95 ?? null,
    p99Ms: fixed?.latencyMs.p99 ?? null,
    maxMs: fixed?.latencyMs.max ?? null,
    rateAt80pct: rateAt80,
    p99MsAt80pct: at80?.latencyMs.p99 ?? null,
    peakRssMb,
    peakRssByProcess: peakByProcess,
    baselineOrdersPerSec: baseline?.ran ? baseline.ordersPerSec : null,
    throughputRatio: baseline?.ran && baseline.ordersPerSec ? round(maxSustained / baseline.ordersPerSec, 2) : null,
    baselineP99MsAt300: baseline?.ran ? baseline.p99MsAt300 : null,
    targets: {
      throughputAtLeastBaseline: baseline?.ran && baseline.ordersPerSec ? maxSustained >= baseline.ordersPerSec : null,
      p99Under1sAtFixedRate: fixed ? fixed.latencyMs.p99 < 1000 : null,
      p99Under1sAt80pct: at80 ? at80.latencyMs.p99 < 1000 : null,
      zeroBreachesLostDuplicated: total((p) => p.breaches + p.lost + p.duplicated) === 0,
      everyProcessUnder250Mb: peakRssMb <= 250,
    },
    stepsMaxed: steps.length > 0 && steps.every((s) => s.sustained) && steps.length === args.steps.length,
  };

  process.stdout.write(`\nomnisync bench:orders — ${startedAt.toISOString()} — ${settings.cpus} cores, node ${settings.node}\n`);
  process.stdout.write(`apps: ${apps.join(', ')} (+ sandbox); SANDBOX_QPS=${args.sandboxQps} PLATFORM_QPS_PER_SHOP=${args.platformQps}; latency = ERP firstAckAt - generated paidAt\n\n`);
  process.stdout.write(`${table(phases)}\n\n`);
  for (const ph of phases) process.stdout.write(`${detail(ph)}\n`);
  process.stdout.write(`\npeak RSS (MB, whole run${peakResetSupported ? '; per phase above' : ''}): ${Object.entries(peakByProcess).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  process.stdout.write(
    `max sustained: ${maxSustained > 0 ? `${maxSustained} orders/s` : 'none of the steps'}${summary.stepsMaxed ? ' (every step sustained: the real maximum is higher, add --steps)' : ''}; ` +
      `p99 at ${args.rate}/s ${summary.p99Ms} ms; p99 at ${rateAt80}/s (80 %) ${summary.p99MsAt80pct} ms\n`,
  );
  if (baseline) {
    if (!baseline.ran) process.stdout.write(`baseline: ${baseline.message}\n`);
    else {
      process.stdout.write(`baseline (${BASELINE_DIR}): ${baseline.rates!.map((r) => `${r.offered}/s -> ${r.completedPerSec}/s p99 ${r.e2eP99Ms} ms${r.sustained ? '' : ' (not sustained)'}`).join(' | ')}\n`);
      process.stdout.write(`baseline max sustained ${baseline.ordersPerSec}/s; ours/baseline = ${summary.throughputRatio}\n`);
    }
  }
  const full = { startedAt: startedAt.toISOString(), args: { ...args, maxSteps: Number.isFinite(args.maxSteps) ? args.maxSteps : null }, settings, summary, phases, baseline };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `orders-${startedAt.toISOString().replace(/[:]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(full, null, 2));
  writeFileSync(join(RESULTS_DIR, 'orders-latest.json'), JSON.stringify(full, null, 2));
  process.stdout.write(`wrote ${file} and bench/results/orders-latest.json\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:orders failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
