/**
 * `npm run bench:coupons` — coupon campaigns under a flash sale (issue 11 acceptance), every app running, the
 * platforms' per-API quotas on (as bench:orders), real Postgres and Redis, the simulators.
 *
 *   npm run bench:coupons                                  # ~3 min
 *   npm run bench:coupons -- --rate 120 --duration 20 --inject-rate 1500
 *   npm run bench:coupons -- --lead-ms 0                   # the guard stops at 100 % exactly (no early stop)
 *
 * Phases:
 *  1. 20 campaigns defined once through the gateway and started on every shop: Kuaishou creates each coupon by API
 *     (read back); Douyin / Taobao / Xiaohongshu say why not (their adapters make no coupon calls / no API), so
 *     redemptions are counted on Kuaishou — the one platform here where our campaigns exist as platform coupons.
 *  2. order path WITHOUT coupons: `--rate` orders/s over the four platforms for `--duration` s (bench:orders' phase).
 *  3. the same WITH coupons (then phase 2 once more, so "without" is measured on both sides): every Kuaishou order redeems one of the live campaign coupons (the simulator's order
 *     generator, its own truth counted per coupon); budgets are sized so that the campaigns run out mid-phase.
 *     Figures: redemptions counted vs the simulator's truth, overshoot, stop latency, order p99 vs phase 2.
 *  4. the budget guard at a flash-sale rate: 20 more campaigns; `--inject-rate` redemption events/s go straight
 *     into {coupon-events} (the queue order-sync's coupon-event relay feeds; a rate this 2-core machine's whole order
 *     path cannot carry, bench:orders tops out near 150/s) until the simulator reports each coupon stopped: overshoot
 *     and stop latency at that rate. The order path is not exercised in this phase (the figure says so).
 *
 * Stop latency: the guard's stop decision (the campaign's exhaustedAt) -> the platform's coupon ended (the
 * simulator's coupon stoppedAt, same machine clock). The last line printed is one JSON object; the full result goes
 * to bench/results/coupons-<ISO timestamp>.json and bench/results/coupons-latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { QUEUE, type CouponOrderEvent, type JobPayloads, type Platform } from '@app/contracts';
import { createRedisClient } from '@app/observability';
import { ALL_SIM_PLATFORMS as SIM_PLATFORMS, startSystem, type System } from '../scripts/system';
import { ADMIN_DB_URL, benchCleanup, cpuCount, latency, log, round, sleep } from './lib/common';
import { OrderBench, phaseTable, type PhaseResult } from './lib/order-phase';

const RESULTS_DIR = join(__dirname, 'results');
const DAY = 86_400_000;

interface CampaignView {
  id: string;
  status: string;
  amountFen: number;
  budgetFen: number;
  platforms: Array<{ platform: Platform; state: string; platformCouponId: string | null; reason: string | null; updatedAt: string }>;
  figures: { redemptions: number; returned: number; spentFen: number; budget: { exhaustedAt: string | null; overshootFen: number } };
}
interface Truth {
  couponId: string;
  stoppedAt: number | null;
  net: number;
  amountFen: number;
}

const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '120' },
    duration: { type: 'string', default: '20' },
    campaigns: { type: 'string', default: '20' },
    'inject-rate': { type: 'string', default: '1500' },
    'inject-budget-redemptions': { type: 'string', default: '1000' },
    quota: { type: 'string', default: '50' },
    'lead-ms': { type: 'string', default: '2000' },
    keep: { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof opt): number => {
  const v = Number(opt[name]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number (got ${String(opt[name])})`);
  return v;
};
const args = { rate: num('rate'), duration: num('duration'), campaigns: Math.round(num('campaigns')), injectRate: num('inject-rate'), injectBudget: Math.round(num('inject-budget-redemptions')), quota: num('quota'), leadMs: Number(opt['lead-ms']), keep: opt.keep === true };
if (!Number.isInteger(args.leadMs) || args.leadMs < 0) throw new Error(`--lead-ms must be an integer >= 0 (got ${String(opt['lead-ms'])})`);

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** `n` direct (立减) campaigns of distinct amounts (an order names no coupon on Kuaishou: attribution is by amount) */
async function defineCampaigns(sys: System, n: number, amountBase: number, budgetRedemptions: (i: number) => number, label: string): Promise<CampaignView[]> {
  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const amountFen = amountBase + i * 10;
    const res = await sys.gateway.post<{ id: string }>('/coupon-campaigns', {
      name: `${label} 立减券 ${i + 1}`,
      description: '直播间闪购时段可用',
      kind: 'direct',
      amountFen,
      totalQuantity: 100_000,
      perUserLimit: 1,
      claimStartsAt: new Date(now - 1000).toISOString(),
      claimEndsAt: new Date(now + DAY).toISOString(),
      validity: { kind: 'fixed', from: new Date(now - 1000).toISOString(), until: new Date(now + 7 * DAY).toISOString() },
      scope: 'shop',
      audience: 'everyone',
      budgetFen: amountFen * budgetRedemptions(i),
    });
    if (res.status !== 201) throw new Error(`campaign refused: ${res.status} ${JSON.stringify(res.data).slice(0, 300)}`);
    ids.push(res.data.id);
  }
  for (const id of ids) {
    const s = await sys.gateway.post(`/coupon-campaigns/${id}/start`, {});
    if (s.status !== 200 && s.status !== 201) throw new Error(`start of ${id} answered ${s.status}`);
  }
  // read back: each Kuaishou coupon exists on the platform
  return waitFor(
    `${label}: every Kuaishou coupon created`,
    async () => {
      const views = await Promise.all(ids.map(async (id) => (await sys.gateway.get<CampaignView>(`/coupon-campaigns/${id}`)).data));
      return views.every((v) => v.platforms.find((p) => p.platform === 'kuaishou')?.state === 'created') ? views : null;
    },
    60_000,
  );
}

const views = async (sys: System, ids: string[]): Promise<CampaignView[]> => Promise.all(ids.map(async (id) => (await sys.gateway.get<CampaignView>(`/coupon-campaigns/${id}`)).data));
const truths = async (sys: System): Promise<Map<string, Truth>> => new Map((await sys.sandboxAdmin<Truth[]>('kuaishou', 'GET', 'coupons/truth')).map((t) => [t.couponId, t]));
const couponOf = (v: CampaignView): string => v.platforms.find((p) => p.platform === 'kuaishou')!.platformCouponId!;

/** overshoot and stop latency of the campaigns the guard stopped */
function guardFigures(vs: CampaignView[], truth: Map<string, Truth>) {
  const exhausted = vs.filter((v) => v.figures.budget.exhaustedAt);
  const stopMs = exhausted
    .map((v) => {
      const t = truth.get(couponOf(v));
      return t?.stoppedAt ? t.stoppedAt - Date.parse(v.figures.budget.exhaustedAt!) : null;
    })
    .filter((x): x is number => x !== null);
  const budget = exhausted.reduce((n, v) => n + v.budgetFen, 0);
  const overshootFen = exhausted.reduce((n, v) => n + Math.max(0, v.figures.spentFen - v.budgetFen), 0);
  const worst = exhausted.reduce((m, v) => Math.max(m, (Math.max(0, v.figures.spentFen - v.budgetFen) / v.budgetFen) * 100), 0);
  // the other side of stopping early (budgetStopLeadMs): budget left unspent by campaigns stopped before 100 %
  const spentPctMean = exhausted.length > 0 ? round(exhausted.reduce((n, v) => n + (v.figures.spentFen / v.budgetFen) * 100, 0) / exhausted.length, 1) : null;
  return { exhausted: exhausted.length, spentPctMean, stopLatencyMs: latency(stopMs), overshootFen, overshootPct: budget > 0 ? round((overshootFen / budget) * 100, 2) : 0, worstCampaignOvershootPct: round(worst, 2) };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:.]/g, '').slice(0, 15).toLowerCase();
  const dbName = `omnisync_bench_cpn_${stamp}_${randomBytes(2).toString('hex')}`;
  const prefix = `bench-cpn-${stamp}-${randomBytes(2).toString('hex')}`;
  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${dbName}`;
  let sys: System | null = null;
  let db: Client | null = null;
  const cleanup = benchCleanup({ keep: args.keep, dbName, prefix, sys: () => sys, db: () => db });
  try {
    log(`starting sandbox + gateway + order-sync + catalog-sync + coupon (database ${dbName}); quota ${args.quota} calls/s per API per shop`);
    sys = await startSystem({
      databaseUrl: dbUrl.toString(),
      prefix,
      platforms: SIM_PLATFORMS,
      env: { LOG_LEVEL: 'warn', PLATFORM_QPS_PER_SHOP: String(Math.max(1, args.quota - 1)) },
      appEnv: { coupon: { COUPON_UNCONFIRMED_APIS_ENABLED: 'true', COUPON_BUDGET_STOP_LEAD_MS: String(args.leadMs) } },
      sandboxEnv: { SANDBOX_QPS: '0', SANDBOX_QPS_PER_API: String(args.quota), SANDBOX_TMC_REDELIVER_MS: '20000' },
      log: (l) => log(l),
    });
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const bench = new OrderBench(sys, db, dbName, { drainTimeout: 60, slaBreachMs: 30_000 });

    // 1. campaigns of the full-path phase: budgets for ~2/3 of what the phase's Kuaishou orders would redeem
    const ksOrders = (args.rate / sys.platforms.length) * args.duration;
    const perCampaign = Math.max(3, Math.floor((ksOrders / args.campaigns) * (2 / 3)));
    const t1 = Date.now();
    const full = await defineCampaigns(sys, args.campaigns, 100, () => perCampaign, 'flash');
    log(`${full.length} campaigns created and read back on Kuaishou in ${Date.now() - t1} ms (budget ${perCampaign} redemptions each); other platforms: ${full[0].platforms.filter((p) => p.platform !== 'kuaishou').map((p) => `${p.platform} ${p.state}`).join(', ')}`);

    // 2. without coupons
    const without = await bench.run(`without coupons ${args.rate}/s`, args.rate, args.duration);
    // 3. with coupons: every Kuaishou order redeems one of the live coupons
    await sys.sandboxAdmin('kuaishou', 'POST', 'generator/coupons', { couponRate: 1 });
    const withCoupons = await bench.run(`with coupons ${args.rate}/s`, args.rate, args.duration);
    await sys.sandboxAdmin('kuaishou', 'POST', 'generator/coupons', { couponRate: 0 });
    // and without once more: the machine drifts over a run (a later phase is slower whatever it does), so "without" is
    // measured on both sides of "with"
    const without2 = await bench.run(`without coupons again ${args.rate}/s`, args.rate, args.duration);
    await bench.reconcile([without, withCoupons, without2]);
    log(phaseTable([without, withCoupons, without2]));
    const p99Without = round((without.latencyMs.p99 + without2.latencyMs.p99) / 2, 0);
    // the coupon events follow the orders (relay + worker): wait until our count stops moving
    const fullIds = full.map((c) => c.id);
    let counted = -1;
    let fullViews: CampaignView[] = [];
    for (let stable = 0, deadline = Date.now() + 60_000; stable < 3 && Date.now() < deadline; ) {
      await sleep(1000);
      fullViews = await views(sys, fullIds);
      const n = fullViews.reduce((a, v) => a + v.figures.redemptions, 0);
      stable = n === counted ? stable + 1 : 0;
      counted = n;
    }
    let truth = await truths(sys);
    const redemptionsTrue = fullViews.reduce((a, v) => a + (truth.get(couponOf(v))?.net ?? 0), 0);
    const perCampaignExact = fullViews.filter((v) => v.figures.redemptions === (truth.get(couponOf(v))?.net ?? -1)).length;
    const fullGuard = guardFigures(fullViews, truth);

    // 4. the guard at a flash-sale rate: events straight into {coupon-events}
    const inj = await defineCampaigns(sys, args.campaigns, 1000, () => args.injectBudget, 'inject');
    const shopId = sys.shops.kuaishou.id;
    const redis = createRedisClient(sys.options.redis, { connectionName: 'bench-coupons', maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE.COUPON_EVENTS, { connection: redis, prefix });
    const injected = new Map<string, number>(); // coupon -> events sent
    const live = new Set(inj.map(couponOf));
    let seq = 0;
    const tInj = Date.now();
    const chunkMs = 100;
    const perChunk = Math.max(1, Math.round((args.injectRate * chunkMs) / 1000));
    const maxMs = 60_000;
    let polledAt = 0;
    while (live.size > 0 && Date.now() - tInj < maxMs) {
      const tick = Date.now();
      if (tick - polledAt >= 50) {
        polledAt = tick;
        const t = await truths(sys);
        for (const c of [...live]) if (t.get(c)?.stoppedAt) live.delete(c);
      }
      const open = inj.filter((v) => live.has(couponOf(v)));
      if (open.length === 0) break;
      const events: CouponOrderEvent[] = [];
      for (let k = 0; k < perChunk; k++) {
        const v = open[(seq + k) % open.length];
        const at = new Date().toISOString();
        events.push({
          platform: 'kuaishou',
          shopId,
          platformOrderId: `bench-inj-${seq + k}`,
          status: 'paid',
          refundStatus: 'none',
          paidAt: at,
          updatedAt: at,
          totalFen: 20_000,
          paidFen: 20_000 - v.amountFen,
          discounts: [{ kind: 'coupon', bearer: 'shop', amountFen: v.amountFen, platformCouponId: null, platformPromotionId: null, platformType: '1001', name: null }],
        });
        injected.set(couponOf(v), (injected.get(couponOf(v)) ?? 0) + 1);
      }
      seq += perChunk;
      // the relay's shape: one job per 100 events
      const jobs = [];
      for (let i = 0; i < events.length; i += 100) jobs.push({ name: 'apply-order-coupons' as const, data: { v: 1, orders: events.slice(i, i + 100) } satisfies JobPayloads['apply-order-coupons'], opts: { jobId: `bench-inj-${seq}-${i}` } });
      await queue.addBulk(jobs);
      await sleep(Math.max(0, chunkMs - (Date.now() - tick)));
    }
    const injSeconds = (Date.now() - tInj) / 1000;
    const tInjEnd = Date.now();
    const injectedTotal = [...injected.values()].reduce((a, b) => a + b, 0);
    // drain the queue, then read
    await waitFor('the injected coupon events processed', async () => (await queue.getJobCounts('waiting', 'active', 'delayed')).waiting + (await queue.getJobCounts('active')).active === 0, 120_000);
    const drainAfterInjectMs = Date.now() - tInjEnd;
    await queue.close();
    redis.disconnect();
    truth = await truths(sys);
    const injViews = await views(sys, inj.map((c) => c.id));
    const injCounted = injViews.reduce((a, v) => a + v.figures.redemptions, 0);
    const injGuard = guardFigures(injViews, truth);
    // the injector learns of a platform stop by polling (every 50 ms): events it made after the coupon had ended on the
    // platform could not have happened. The overshoot a buyer can cause is the spend paid up to the platform's stop.
    let atStopOvershoot = 0;
    let atStopBudget = 0;
    let atStopWorst = 0;
    for (const v of injViews.filter((x) => x.figures.budget.exhaustedAt)) {
      const stoppedAt = truth.get(couponOf(v))?.stoppedAt;
      if (!stoppedAt) continue;
      const [row] = (
        await db.query<{ spent: string }>(
          `SELECT COALESCE(sum(discount_fen), 0) AS spent FROM coupon.redemptions WHERE campaign_id = $1 AND status = 'redeemed' AND paid_at <= to_timestamp($2::float8 / 1000)`,
          [v.id, stoppedAt],
        )
      ).rows;
      const over = Math.max(0, Number(row.spent) - v.budgetFen);
      atStopOvershoot += over;
      atStopBudget += v.budgetFen;
      atStopWorst = Math.max(atStopWorst, (over / v.budgetFen) * 100);
    }
    const atStop = { overshootFen: atStopOvershoot, overshootPct: atStopBudget > 0 ? round((atStopOvershoot / atStopBudget) * 100, 2) : 0, worstCampaignOvershootPct: round(atStopWorst, 2) };

    const summary = {
      campaigns: args.campaigns * 2,
      platformsWithCoupons: ['kuaishou'],
      otherPlatforms: Object.fromEntries(full[0].platforms.filter((p) => p.platform !== 'kuaishou').map((p) => [p.platform, `${p.state}: ${p.reason ?? ''}`.slice(0, 140)])),
      fullPath: {
        rate: args.rate,
        durationS: args.duration,
        redemptionsCounted: counted,
        redemptionsTrue,
        campaignsExact: `${perCampaignExact}/${fullViews.length}`,
        ...fullGuard,
        orderP99MsWithout: p99Without,
        orderP99MsWithoutPhases: [without.latencyMs.p99, without2.latencyMs.p99],
        orderP99MsWithCoupons: withCoupons.latencyMs.p99,
        kuaishouP99Ms: { without: [without.byPlatform.kuaishou?.p99 ?? null, without2.byPlatform.kuaishou?.p99 ?? null], with: withCoupons.byPlatform.kuaishou?.p99 ?? null },
        orderP50MsWithout: without.latencyMs.p50,
        orderP50MsWithCoupons: withCoupons.latencyMs.p50,
        lost: without.lost + withCoupons.lost + without2.lost,
        duplicated: without.duplicated + withCoupons.duplicated + without2.duplicated,
      },
      guardAtFlashRate: {
        eventsPerSec: round(injectedTotal / injSeconds, 0),
        eventsInjected: injectedTotal,
        redemptionsCounted: injCounted,
        queueDrainAfterInjectMs: drainAfterInjectMs,
        ...injGuard,
        /** spend paid up to each coupon's stop on the platform (the injector's polling artefacts left out) */
        atPlatformStop: atStop,
      },
    };
    const line = {
      campaigns: summary.campaigns,
      redemptionsCounted: counted,
      redemptionsTrue,
      overshootFen: atStop.overshootFen,
      overshootPct: atStop.overshootPct,
      overshootPctWithInjectorLag: injGuard.overshootPct,
      stopP50Ms: injGuard.stopLatencyMs.p50,
      stopP99Ms: injGuard.stopLatencyMs.p99,
      orderP99MsWithCoupons: withCoupons.latencyMs.p99,
      orderP99MsWithout: p99Without,
      fullPathOvershootPct: fullGuard.overshootPct,
      fullPathStopP99Ms: fullGuard.stopLatencyMs.p99,
      injectedEventsPerSec: summary.guardAtFlashRate.eventsPerSec,
    };
    process.stdout.write(`\nomnisync bench:coupons — ${startedAt.toISOString()} — ${cpuCount()} cores, node ${process.version}\n`);
    process.stdout.write(`${phaseTable([without, withCoupons, without2])}\n\n`);
    process.stdout.write(`full path (${args.rate}/s, ${args.duration} s, Kuaishou orders redeeming ${args.campaigns} campaigns):\n`);
    process.stdout.write(`  redemptions counted ${counted}, simulator truth ${redemptionsTrue} (${perCampaignExact}/${fullViews.length} campaigns exact)\n`);
    process.stdout.write(`  guard: ${fullGuard.exhausted} exhausted (mean spend ${fullGuard.spentPctMean} % of budget), overshoot ${fullGuard.overshootFen} fen (${fullGuard.overshootPct} % of their budgets, worst ${fullGuard.worstCampaignOvershootPct} %), stop p50 ${fullGuard.stopLatencyMs.p50} ms p99 ${fullGuard.stopLatencyMs.p99} ms\n`);
    process.stdout.write(`  order pay->ERP p99 without coupons ${without.latencyMs.p99} / ${without2.latencyMs.p99} ms (before / after), with ${withCoupons.latencyMs.p99} ms; Kuaishou alone ${without.byPlatform.kuaishou?.p99} / ${without2.byPlatform.kuaishou?.p99} vs ${withCoupons.byPlatform.kuaishou?.p99} ms\n`);
    process.stdout.write(`guard at ${summary.guardAtFlashRate.eventsPerSec} redemption events/s (straight into {coupon-events}, ${args.campaigns} campaigns of ${args.injectBudget} redemptions' budget):\n`);
    process.stdout.write(`  ${injGuard.exhausted} exhausted (mean spend ${injGuard.spentPctMean} % of budget), stop p50 ${injGuard.stopLatencyMs.p50} ms p99 ${injGuard.stopLatencyMs.p99} ms; queue drained ${drainAfterInjectMs} ms after the last event\n`);
    process.stdout.write(`  overshoot of the spend paid up to each platform stop ${atStop.overshootFen} fen (${atStop.overshootPct} % of their budgets, worst ${atStop.worstCampaignOvershootPct} %)\n`);
    process.stdout.write(`  overshoot counting every injected event (incl. those made in the injector's 50 ms poll after a stop) ${injGuard.overshootFen} fen (${injGuard.overshootPct} %, worst ${injGuard.worstCampaignOvershootPct} %)\n`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const out = { startedAt: startedAt.toISOString(), args, summary, phases: [without, withCoupons, without2] as PhaseResult[] };
    writeFileSync(join(RESULTS_DIR, `coupons-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(out, null, 2));
    writeFileSync(join(RESULTS_DIR, 'coupons-latest.json'), JSON.stringify(out, null, 2));
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:coupons failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
