/**
 * `npm run bench:orders` — a flash-sale burst on every simulated platform (Douyin push, Taobao TMC, Kuaishou push,
 * Xiaohongshu push) through the whole system (gateway + order-sync as separate processes, real Postgres
 * and Redis) into the ERP simulator. Method and how to read the output: bench/README.md.
 *
 *   npm run bench:orders                                   # full run (~3-5 min), at the stated platform quotas
 *   npm run bench:orders -- --no-quotas                    # the same with platform quotas lifted (the old measurement)
 *   npm run bench:orders -- --duration 5 --max-steps 2     # quick check
 *   npm run bench:orders -- --with-baseline                # then ../shared/baseline, side by side
 *   npm run bench:orders -- --redis-cluster                # on a local Redis Cluster it starts (3 masters + 3 replicas)
 *
 * The last line printed is one JSON object (the summary); the full result goes to
 * bench/results/orders-<ISO timestamp>.json and bench/results/orders-latest.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Platform } from '@app/contracts';
import { startOwnRedisCluster, type OwnRedisCluster } from '@app/sandbox/local-redis-cluster';
import { platformRegistry, type PlatformAdapterDeps } from '@app/platforms';
import { ALL_SIM_PLATFORMS as SIM_PLATFORMS, startSystem, type AppName, type System } from '../scripts/system';
import { ADMIN_DB_URL, benchCleanup, cpuCount, listArg, log, numArg, round } from './lib/common';
import { OrderBench, phaseDetail as detail, phaseTable as table, type PhaseResult } from './lib/order-phase';
import { leaderTicks } from './lib/procs';

const ROOT = join(__dirname, '..');
const RESULTS_DIR = join(__dirname, 'results');
const BASELINE_DIR = join(ROOT, '..', 'shared', 'baseline');

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
  /** calls/s per API per shop the platforms allow (null: --no-quotas) */
  quota: number | null;
  sandboxQps: number;
  sandboxQpsPerApi: number;
  platformQps: number;
  allApps: boolean;
  /** order-sync instances on the one Postgres and Redis (issue 12 item 2: 1 vs 2) */
  orderSyncs: number;
  keep: boolean;
  withBaseline: boolean;
  baselineRates: number[] | null;
  baselineDuration: number;
  slaBreachMs: number;
  /** run on a local Redis Cluster this bench starts (ports redisClusterPort..+5), not the shared server */
  redisCluster: boolean;
  redisClusterPort: number;
}

const HELP = `usage: npm run bench:orders -- [options]
  --warmup S            warm-up seconds (default 5)            --warmup-rate N   orders/s in warm-up (default 60)
  --rate N              fixed-rate phase, orders/s total (300)  --duration S      fixed-rate and 80 % phases (20)
  --steps a,b,...       offered rates of the step-up search (300,450,600,750,900,1050,1200,1500)
  --step-duration S     seconds per step (10)                   --max-steps N     try at most N steps (all)
  --p99-bound MS        a step is sustained only if its pay->ack p99 <= this (2000)
  --keep-up R           ... and delivered/s >= R x offered (0.95)
  --drain-timeout S     after each phase, wait this long for the last orders (60)
  --quota N             stated platform quota, calls/s per API per shop (50: no platform documents its own):
                        the simulators enforce it per API (SANDBOX_QPS_PER_API=N, no per-shop total) and the
                        apps' limiter spends N-1 per API (PLATFORM_QPS_PER_SHOP); each platform's quota-bound
                        ceiling (orders/s per shop = quota x orders per call) is printed beside what it reached
  --no-quotas           quotas lifted, so they are not what is measured: SANDBOX_QPS=5000 per shop,
                        PLATFORM_QPS_PER_SHOP=2000 (the measurement before quotas were the default)
  --sandbox-qps N       SANDBOX_QPS: simulator limit per shop, all APIs (quota: off; --no-quotas: 5000)
  --platform-qps N      PLATFORM_QPS_PER_SHOP of the apps (quota: quota-1; --no-quotas: 2000)
  --all-apps            also start catalog-sync and coupon (stock events, coupons; default: gateway + order-sync)
  --order-syncs N       run N order-sync instances on the one Postgres and Redis (1)
  --keep                keep the bench database (default: dropped)
  --with-baseline       then run ../shared/baseline/run.sh and report the ratio
  --baseline-rates a,b  baseline open-loop rates (default: the steps up to one above our maximum)
  --baseline-duration S seconds per baseline rate (default: --step-duration)
  --redis-cluster       start a local Redis Cluster (3 masters + 3 replicas: redis-server --cluster-enabled yes,
                        redis-cli --cluster create) and run the whole system on it (REDIS_CLUSTER_NODES); the
                        JSON line says "redisMode": "cluster" (else "single", the server on 127.0.0.1:6379)
  --redis-cluster-port N  the cluster's first port, it takes six (26300)`;

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
    quota: 50,
    sandboxQps: Number.NaN,
    sandboxQpsPerApi: Number.NaN,
    platformQps: Number.NaN,
    allApps: false,
    orderSyncs: 1,
    keep: false,
    withBaseline: false,
    baselineRates: null,
    baselineDuration: Number.NaN,
    slaBreachMs: 30_000,
    redisCluster: false,
    redisClusterPort: 26300,
  };
  const num = numArg;
  const list = listArg;
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
      case '--quota': a.quota = num('quota', next()); break;
      case '--no-quotas': a.quota = null; break;
      case '--sandbox-qps': a.sandboxQps = num('sandbox-qps', next()); break;
      case '--platform-qps': a.platformQps = num('platform-qps', next()); break;
      case '--all-apps': a.allApps = true; break;
      case '--order-syncs': a.orderSyncs = Math.max(1, Math.floor(num('order-syncs', next()))); break;
      case '--keep': a.keep = true; break;
      case '--with-baseline': a.withBaseline = true; break;
      case '--baseline-rates': a.baselineRates = list('baseline-rates', next()); break;
      case '--baseline-duration': a.baselineDuration = num('baseline-duration', next()); break;
      case '--redis-cluster': a.redisCluster = true; break;
      case '--redis-cluster-port': a.redisClusterPort = num('redis-cluster-port', next()); break;
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
  // explicit --sandbox-qps / --platform-qps win over what --quota / --no-quotas imply
  if (Number.isNaN(a.sandboxQps)) a.sandboxQps = a.quota === null ? 5000 : 0;
  a.sandboxQpsPerApi = a.quota === null ? 0 : a.quota;
  if (Number.isNaN(a.platformQps)) a.platformQps = a.quota === null ? 2000 : Math.max(1, a.quota - 1);
  return a;
}

// ------------------------------------------------------------------------------------------- quota ceilings

/**
 * What carries an order's lines on each platform, and how many orders one call of it carries (libs/platforms
 * capabilities: orderListIncludesDetail, orderListMaxPageSize, orderApis). Douyin's and Taobao's incremental
 * lists return whole orders, 100 a page (Taobao's TMC consume also carries up to 100 messages a call);
 * Xiaohongshu's list, push and every other order API carry no lines and it has no batch detail call, so each
 * order costs one order.getOrderDetail.
 */
const ORDER_CARRIER_KNOWN: Record<Platform, { api: string; ordersPerCall: number }> = {
  douyin: { api: 'order.searchList', ordersPerCall: 100 },
  taobao: { api: 'taobao.trades.sold.increment.get', ordersPerCall: 100 },
  xiaohongshu: { api: 'order.getOrderDetail', ordersPerCall: 1 },
};

/** any other registered platform: from its adapter's capabilities (a list carrying whole orders, else one detail call each) */
function orderCarrier(p: Platform): { api: string; ordersPerCall: number } {
  const known = ORDER_CARRIER_KNOWN[p];
  if (known) return known;
  const caps = platformRegistry.get(p).createAdapter({ options: { timeoutMs: 1000 } } as unknown as PlatformAdapterDeps).capabilities;
  const apis = caps.orderApis ?? { list: 'list', detail: 'detail' };
  return caps.orderListIncludesDetail ? { api: apis.list, ordersPerCall: caps.orderListMaxPageSize } : { api: apis.detail, ordersPerCall: 1 };
}

const ORDER_CARRIER: Record<Platform, { api: string; ordersPerCall: number }> = Object.fromEntries(SIM_PLATFORMS.map((p) => [p, orderCarrier(p)]));

interface QuotaCeiling {
  api: string;
  quotaPerSec: number;
  ordersPerCall: number;
  /** orders/s per shop the quota can carry: quota x orders per call */
  ceilingPerShop: number;
}

/** each platform's quota-bound ceiling at `quota` calls/s per API per shop (null: no quotas) */
function ceilings(quota: number | null): Record<Platform, QuotaCeiling> | null {
  if (quota === null) return null;
  return Object.fromEntries(
    SIM_PLATFORMS.map((p) => [p, { api: ORDER_CARRIER[p].api, quotaPerSec: quota, ordersPerCall: ORDER_CARRIER[p].ordersPerCall, ceilingPerShop: quota * ORDER_CARRIER[p].ordersPerCall }]),
  ) as Record<Platform, QuotaCeiling>;
}

/** per platform: the ceiling beside what the phase reached per shop (one simulated shop per platform) */
function ceilingLines(phase: PhaseResult, c: Record<Platform, QuotaCeiling>): string[] {
  const offeredPerShop = phase.offeredPerSec / SIM_PLATFORMS.length;
  return SIM_PLATFORMS.map((p) => {
    const r = phase.byPlatform[p];
    const bound = c[p].ceilingPerShop < offeredPerShop ? ' (quota-bound: offered above the ceiling)' : '';
    return (
      `  ${p.padEnd(12)} ceiling ${c[p].ceilingPerShop} orders/s per shop (${c[p].quotaPerSec}/s x ${c[p].ordersPerCall} orders per ${c[p].api}); ` +
      `offered ${round(offeredPerShop, 1)}/s, reached ${r?.perSec ?? 0}/s, p50 ${r?.p50 ?? '-'} ms p99 ${r?.p99 ?? '-'} ms max ${r?.max ?? '-'} ms${bound}`
    );
  });
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

// ------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').toLowerCase();
  const dbName = `omnisync_bench_${stamp}_${randomBytes(2).toString('hex')}`;
  const prefix = `bench-${stamp}-${randomBytes(2).toString('hex')}`;
  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${dbName}`;
  const apps: AppName[] = args.allApps ? ['gateway', 'order-sync', 'catalog-sync', 'coupon'] : ['gateway', 'order-sync'];
  const redisMode: 'single' | 'cluster' = args.redisCluster ? 'cluster' : 'single';
  const settings = {
    apps,
    orderSyncs: args.orderSyncs,
    redisMode,
    quotaPerApiPerShop: args.quota,
    SANDBOX_QPS: args.sandboxQps,
    SANDBOX_QPS_PER_API: args.sandboxQpsPerApi,
    PLATFORM_QPS_PER_SHOP: args.platformQps,
    SANDBOX_TMC_REDELIVER_MS: 20_000,
    SLA_BREACH_MS: args.slaBreachMs,
    database: dbName,
    bullmqPrefix: prefix,
    cpus: cpuCount(),
    node: process.version,
  };

  let sys: System | null = null;
  let db: Client | null = null;
  let cluster: OwnRedisCluster | null = null;
  const cleanupSystem = benchCleanup({ keep: args.keep, dbName, prefix, sys: () => sys, db: () => db });
  // the bench's own cluster goes once the system is down (its nodes are also killed if this process exits)
  const cleanup = async () => {
    await cleanupSystem();
    await cluster?.stop();
    cluster = null;
  };

  const phases: PhaseResult[] = [];
  const steps: PhaseResult[] = [];
  const leaders: Record<string, { ticks: number; meanMs: number; p99LeMs: number | null; maxLeMs: number | null }> = {};
  let maxSustained = 0;
  let rateAt80 = 0;
  let at80: PhaseResult | null = null;
  let fixed: PhaseResult | null = null;
  let peakResetSupported = true;
  try {
    if (args.redisCluster) {
      const t0 = Date.now();
      cluster = await startOwnRedisCluster(args.redisClusterPort);
      log(`local Redis Cluster up in ${Date.now() - t0} ms: ${cluster.nodes.join(',')} (3 masters + 3 replicas)`);
    }
    log(`starting sandbox + ${apps.join(' + ')} (database ${dbName}, prefix ${prefix}, redis ${redisMode})`);
    sys = await startSystem({
      databaseUrl: dbUrl.toString(),
      ...(cluster ? { redis: cluster.target } : {}),
      prefix,
      apps,
      // every registered simulated platform: one shop each, one column each
      platforms: SIM_PLATFORMS,
      env: { LOG_LEVEL: 'warn', PLATFORM_QPS_PER_SHOP: String(args.platformQps) },
      appEnv: { 'order-sync': { SLA_BREACH_MS: String(args.slaBreachMs) } },
      sandboxEnv: { SANDBOX_QPS: String(args.sandboxQps), SANDBOX_QPS_PER_API: String(args.sandboxQpsPerApi), SANDBOX_TMC_REDELIVER_MS: '20000' },
      log: (l) => log(l),
    });
    for (let i = 2; i <= args.orderSyncs; i++) await sys.addInstance('order-sync', `order-sync-${i}`);
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const bench = new OrderBench(sys, db, dbName, args);

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
    // the single leaders' tick times over the whole run, from each app's /metrics (the lease holder observes them)
    for (const [app, url] of Object.entries(sys.metricsUrls)) {
      if (url) Object.assign(leaders, Object.fromEntries(Object.entries(await leaderTicks(url)).map(([loop, t]) => [`${app}:${loop}`, t])));
    }
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
  const quotaCeilings = ceilings(args.quota);
  const summary = {
    redisMode,
    orderSyncs: args.orderSyncs,
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
    // each single-leader loop: ticks, mean and p99 / max tick time (bucket bounds) over the run, against its interval
    leaders,
    stepsMaxed: steps.length > 0 && steps.every((s) => s.sustained) && steps.length === args.steps.length,
    // per platform at the stated quotas: the quota-bound ceiling beside what the fixed-rate phase reached
    quotas: quotaCeilings
      ? {
          perApiPerShop: args.quota,
          byPlatform: Object.fromEntries(
            SIM_PLATFORMS.map((p) => [
              p,
              {
                ...quotaCeilings[p],
                offeredPerShopAtFixed: round(args.rate / SIM_PLATFORMS.length, 1),
                reachedPerShopAtFixed: fixed?.byPlatform[p]?.perSec ?? null,
                p50MsAtFixed: fixed?.byPlatform[p]?.p50 ?? null,
                p99MsAtFixed: fixed?.byPlatform[p]?.p99 ?? null,
              },
            ]),
          ),
        }
      : null,
  };

  process.stdout.write(`\nomnisync bench:orders — ${startedAt.toISOString()} — ${settings.cpus} cores, node ${settings.node}, redis ${redisMode}\n`);
  const quotaText = args.quota === null ? 'platform quotas lifted (--no-quotas)' : `stated platform quota ${args.quota} calls/s per API per shop`;
  process.stdout.write(
    `apps: ${apps.join(', ')} (+ sandbox); ${quotaText}: SANDBOX_QPS=${args.sandboxQps} SANDBOX_QPS_PER_API=${args.sandboxQpsPerApi} PLATFORM_QPS_PER_SHOP=${args.platformQps}; latency = ERP firstAckAt - generated paidAt\n\n`,
  );
  process.stdout.write(`${table(phases)}\n\n`);
  if (Object.keys(leaders).length > 0) {
    process.stdout.write(`single leaders over the run (tick time on the lease holder; p99 / max are histogram bucket bounds):\n`);
    for (const [loop, t] of Object.entries(leaders)) process.stdout.write(`  ${loop.padEnd(40)} ${String(t.ticks).padStart(6)} ticks  mean ${t.meanMs} ms  p99 <= ${t.p99LeMs ?? '>30000'} ms  max <= ${t.maxLeMs ?? '>30000'} ms\n`);
    process.stdout.write('\n');
  }
  if (quotaCeilings) {
    for (const ph of [fixed, steps.find((s) => s.offeredPerSec === maxSustained) ?? steps[steps.length - 1]]) {
      if (!ph) continue;
      process.stdout.write(`quota-bound ceilings vs reached, ${ph.label}:\n${ceilingLines(ph, quotaCeilings).join('\n')}\n`);
    }
    process.stdout.write('\n');
  }
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
