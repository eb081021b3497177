/**
 * `npm run demo`: migrates a demo database, starts the platform and ERP simulators and the four services
 * as separate processes, drives a simulated live-stream flash sale on Douyin, Taobao and Xiaohongshu
 * through the whole system into the ERP simulator (with a short ERP outage in the middle), prints
 * progress and a summary, and says where to look.
 *
 *   npm run demo                  # about a minute, then stops
 *   npm run demo -- --keep        # keeps everything running until Ctrl-C (explore the URLs it prints)
 *   npm run demo -- --seconds 120 --rate 30
 *   npm run demo -- --screenshots # also photographs the ops page (headless Chromium) before, during and after
 *                                 # the flash sale and the ERP outage, into bench/results/ops-page-*.png
 *
 * The ops page is at http://127.0.0.1:3000/ops: the demo prints it with an ops key to sign in with (OPS_KEY)
 * as soon as the system is up, so it can be watched during the run (and after it, with --keep).
 *
 * Uses the local Postgres and Redis by default (DATABASE_URL's server, database `omnisync_demo`, which
 * is recreated on each run; Redis keys under the `omnisync-demo` prefix).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createRedisClient, deleteKeysMatching } from '@app/observability';
import type { Platform } from '@app/contracts';
import { simulatorManifest } from '@app/sandbox/registry';
import { ALL_SIM_PLATFORMS as SIM_PLATFORMS, startSystem, type System } from './system';

interface Args {
  seconds: number;
  rate: number;
  burst: number;
  keep: boolean;
  randomPorts: boolean;
  screenshots: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seconds: 45, rate: 10, burst: 300, keep: false, randomPorts: false, screenshots: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = (name: string) => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) fail(`${name} must be a non-negative number`);
      return v;
    };
    if (k === '--seconds') a.seconds = num('--seconds');
    else if (k === '--rate') a.rate = num('--rate');
    else if (k === '--burst') a.burst = num('--burst');
    else if (k === '--keep') a.keep = true;
    else if (k === '--random-ports') a.randomPorts = true;
    else if (k === '--screenshots') a.screenshots = true;
    else fail(`unknown option ${k} (options: --seconds N, --rate N per platform, --burst N per platform, --keep, --random-ports, --screenshots)`);
  }
  return a;
}

function fail(msg: string): never {
  process.stderr.write(`demo: ${msg}\n`);
  process.exit(1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One line naming the missing server and how to start it, instead of a stack trace. */
async function preflight(databaseUrl: string, redisUrl: string): Promise<void> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const pg = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await pg.connect();
  } catch {
    fail(`PostgreSQL is not reachable at ${admin.host} — start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`);
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = createRedisClient(redisUrl, { connectionName: 'omnisync-demo-check', errors: 'silent', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000, commandTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    fail(`Redis is not reachable at ${redisUrl} — start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`);
  } finally {
    redis.disconnect();
  }
}

async function resetDemoState(databaseUrl: string, redisUrl: string, prefix: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = target.pathname.slice(1);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const pg = new Client({ connectionString: admin.toString() });
  await pg.connect();
  await pg.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await pg.end();
  const redis = createRedisClient(redisUrl, { connectionName: 'omnisync-demo-reset' });
  await deleteKeysMatching(redis, `${prefix}*`);
  await deleteKeysMatching(redis, `{${prefix}*`);
  redis.disconnect();
}

interface ErpOrder {
  platform: string | null;
  platformOrderId: string;
  firstAckAt: number;
}
interface Generated {
  orderId: string;
  paidAt: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(sys: System): Promise<{ sent: number; delivered: number; lost: number; duplicated: number; p50: number; p99: number; max: number }> {
  const { orders: erpOrders } = await sys.sandboxAdmin<{ orders: ErpOrder[] }>('erp', 'GET', 'orders');
  const perKey = new Map<string, ErpOrder[]>();
  for (const o of erpOrders) {
    const k = `${o.platform}:${o.platformOrderId}`;
    perKey.set(k, [...(perKey.get(k) ?? []), o]);
  }
  const latencies: number[] = [];
  let sent = 0;
  let delivered = 0;
  for (const p of SIM_PLATFORMS) {
    const generated = await sys.sandboxAdmin<Generated[]>(p, 'GET', 'generated');
    sent += generated.length;
    for (const g of generated) {
      const hit = perKey.get(`${p}:${g.orderId}`);
      if (!hit) continue;
      delivered += 1;
      latencies.push(Math.max(0, hit[0].firstAckAt - g.paidAt));
    }
  }
  latencies.sort((a, b) => a - b);
  const duplicated = [...perKey.values()].filter((v) => v.length > 1).length;
  return { sent, delivered, lost: sent - delivered, duplicated, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/omnisync');
  base.pathname = '/omnisync_demo';
  const databaseUrl = base.toString();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = 'omnisync-demo';
  await preflight(databaseUrl, redisUrl);
  await resetDemoState(databaseUrl, redisUrl, prefix);

  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`[demo ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  say(`database ${base.pathname.slice(1)} (recreated), Redis prefix ${prefix}`);
  const ports = args.randomPorts
    ? undefined
    : { gateway: 3000, 'order-sync': 3001, 'catalog-sync': 3002, coupon: 3003, erp: 4104, ...Object.fromEntries(SIM_PLATFORMS.map((p) => [p, simulatorManifest(p).defaultPort])) };
  const sys = await startSystem({
    // every registered simulated platform (Kuaishou included): the registry decides, not this script
    platforms: SIM_PLATFORMS,
    databaseUrl,
    redis: redisUrl,
    prefix,
    ports,
    metricsPorts: ports ? { gateway: 9400, 'order-sync': 9401, 'catalog-sync': 9402, coupon: 9403 } : undefined,
    log: say,
    // Kuaishou's coupon create is a confirmed API whose amount unit the facts leave unconfirmed: the demo turns the
    // operator's flag on so its coupon drop reaches Kuaishou (off by default in a deployment)
    appEnv: { 'order-sync': { ERP_MAX_BATCH: '50' }, coupon: { COUPON_UNCONFIRMED_APIS_ENABLED: 'true' } },
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await camera?.close();
    await sys.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  // the ops page: a key with the ops role (reads the figures, retries and resolves exceptions; no admin rights)
  const opsKey = await sys.gateway.post<{ key: string }>('/api-keys', { name: 'demo ops page', roles: ['ops'] });
  if (opsKey.status !== 201) fail(`could not create the ops key: ${opsKey.status}`);
  const OPS_KEY = opsKey.data.key;
  const opsPage = `${sys.urls.gateway}/ops`;
  say(`ops page: ${opsPage}  (sign in with OPS_KEY=${OPS_KEY})`);
  const camera = args.screenshots ? await OpsPageCamera.open(sys.urls.gateway, OPS_KEY, say) : null;

  say(`shops registered through POST /shops: ${SIM_PLATFORMS.map((p) => `${p} ${sys.shops[p].platformShopId}`).join(', ')}`);
  say(`live stream: ${args.rate} orders/s per platform, flash-sale burst of ${args.burst} per platform at 1/3 of the run, ERP down for 5 s at 1/2`);
  for (const p of SIM_PLATFORMS) await sys.sandboxAdmin(p, 'POST', 'generator/start', { ratePerSec: args.rate });

  const endAt = Date.now() + args.seconds * 1000;
  let burstDone = false;
  let outageDone = false;
  let burstAt = 0;
  let outageAt = 0;
  let campaignId: string | null = null;
  while (Date.now() < endAt) {
    await sleep(3000);
    const elapsed = 1 - (endAt - Date.now()) / (args.seconds * 1000);
    // the page polls every 5 s: a photo some seconds into each phase shows it
    if (burstAt && Date.now() - burstAt >= 6000) await camera?.shoot('2-flash-sale', () => (burstAt = 0));
    if (outageAt && Date.now() - outageAt >= 4000) await camera?.shoot('3-erp-outage', () => (outageAt = 0));
    if (!burstDone && elapsed >= 1 / 3) {
      await camera?.shoot('1-live-stream');
      burstDone = true;
      burstAt = Date.now();
      for (const p of SIM_PLATFORMS) await sys.sandboxAdmin(p, 'POST', 'generator/burst', { count: args.burst, ratePerSec: Math.max(50, args.burst / 3) });
      say(`flash sale! ${args.burst * 3} orders incoming`);
      campaignId = await couponDrop(sys, say);
      // buyers redeem it: half the orders of a shop with a live merchant coupon (Kuaishou's) use it
      for (const p of SIM_PLATFORMS) await sys.sandboxAdmin(p, 'POST', 'generator/coupons', { couponRate: 0.5 });
    }
    if (!outageDone && elapsed >= 1 / 2) {
      outageDone = true;
      outageAt = Date.now();
      await sys.sandboxAdmin('erp', 'POST', 'faults', { downForMs: 5000 });
      say('ERP simulator down for 5 s (deliveries are delayed, not failed)');
    }
    const m = await measure(sys);
    say(`orders paid ${m.sent}, in the ERP ${m.delivered}, duplicated ${m.duplicated}, pay->ERP p50 ${m.p50} ms p99 ${m.p99} ms`);
  }
  for (const p of SIM_PLATFORMS) await sys.sandboxAdmin(p, 'POST', 'generator/stop');
  say('generators stopped; draining');
  const drainUntil = Date.now() + 60_000;
  let m = await measure(sys);
  while (m.lost > 0 && Date.now() < drainUntil) {
    await sleep(1000);
    m = await measure(sys);
  }
  if (camera) {
    // after the drain, once the page has polled again
    await sleep(6000);
    await camera.shoot('4-drained');
    await camera.shoot('5-drained-en', undefined, true);
  }
  const sla = await sys.gateway.get('/ops/sla');
  const queues = await sys.gateway.get('/ops/queues');
  const breaches = Array.isArray(sla.data?.platforms) ? sla.data.platforms.reduce((n: number, p: { breaches: number }) => n + p.breaches, 0) : 'n/a';

  const coupon = campaignId ? await sys.gateway.get(`/coupon-campaigns/${campaignId}`) : null;
  const couponLines =
    coupon?.status === 200
      ? (coupon.data.platforms as { platform: string; state: string; platformCouponId: string | null; reason: string | null }[]).map(
          (p) => `  ${p.platform.padEnd(12)} ${p.state}${p.platformCouponId ? ` (platform coupon ${p.platformCouponId})` : ''}${p.reason ? ` - ${p.reason}` : ''}`,
        )
      : [`  (no campaign${coupon ? `: GET answered ${coupon.status}` : ''})`];
  const lines = [
    '',
    '================ omnisync demo ================',
    `orders paid on the platforms : ${m.sent}`,
    `orders in the ERP            : ${m.delivered}   lost ${m.lost}   duplicated ${m.duplicated}`,
    `pay -> ERP ack               : p50 ${m.p50} ms, p99 ${m.p99} ms, max ${m.max} ms (SLA 30 s; breaches ${breaches})`,
    `peak memory (MB)             : ${JSON.stringify(sys.peakRssMb())}`,
    `coupon drop (flash sale)     : campaign ${campaignId ?? 'none'}, ${coupon?.status === 200 ? coupon.data.status : 'n/a'}; per platform:`,
    ...couponLines,
    ...(await couponFigureLines(sys, coupon?.status === 200 ? coupon.data : null)),
    '',
    'Where to look (admin key below):',
    `  ops page             ${opsPage}  sign in with OPS_KEY (or the OPERATOR_TOKEN: every merchant, with a picker)`,
    `  API docs (Swagger)   ${sys.urls.gateway}/docs`,
    `  your work (merchant) curl -H "Authorization: Bearer $KEY" ${sys.urls.gateway}/ops/queues`,
    `  queues (operator)    curl -H "Authorization: Bearer $OPERATOR_TOKEN" ${sys.urls.gateway}/operator/queues`,
    `  SLA report           curl -H "Authorization: Bearer $KEY" ${sys.urls.gateway}/ops/sla`,
    `  Bull Board           ${sys.urls.gateway}/ops/queues/board  (operator only; browser: any user name, $OPERATOR_TOKEN as password)`,
    `  ERP pull API         (buyer data: needs an erp key, each read is in GET /audit-log)`,
    `                       ERP_KEY=$(curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"erp","roles":["erp"]}' ${sys.urls.gateway}/api-keys | sed 's/.*"key":"\\([^"]*\\)".*/\\1/')`,
    `                       curl -H "Authorization: Bearer $ERP_KEY" "${sys.urls.gateway}/erp/orders?limit=5"`,
    `  metrics (own port)   ${sys.metricsUrls.gateway}/metrics  ${sys.metricsUrls['order-sync']}/metrics`,
    `  simulators           ${SIM_PLATFORMS.map((p: Platform) => `${sys.urls[p]}/__admin/stats`).join('  ')}`,
    `  ERP simulator        ${sys.urls.erp}/__admin/stats`,
    `  KEY=${sys.adminKey}`,
    `  OPS_KEY=${OPS_KEY}`,
    // the platform operator's token for Bull Board and /operator/queues (no merchant key opens them)
    `  OPERATOR_TOKEN=${sys.options.operatorToken}`,
    `  queues now: ${JSON.stringify(queues.data).slice(0, 300)}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (args.keep) {
    say(`running until Ctrl-C (--keep); the ops page stays live at ${opsPage}`);
    return;
  }
  await stop(m.lost === 0 && m.duplicated === 0 ? 0 : 1);
}

/**
 * The flash sale's coupon drop: one threshold campaign (满100减10, 1,000 coupons, one per buyer) defined once through
 * the gateway and started on every shop; each platform takes it by API (Kuaishou), or says why not (manual /
 * unsupported with the reason). Returns the campaign id, or null when the coupon service refused it.
 */
async function couponDrop(sys: System, say: (line: string) => void): Promise<string | null> {
  const now = Date.now();
  const created = await sys.gateway.post<{ id: string }>('/coupon-campaigns', {
    name: '直播间闪购满减券',
    description: '闪购时段下单可用',
    kind: 'threshold',
    thresholdFen: 10_000,
    amountFen: 1_000,
    totalQuantity: 1_000,
    perUserLimit: 1,
    claimStartsAt: new Date(now - 1000).toISOString(),
    claimEndsAt: new Date(now + 86_400_000).toISOString(),
    validity: { kind: 'fixed', from: new Date(now - 1000).toISOString(), until: new Date(now + 7 * 86_400_000).toISOString() },
    scope: 'shop',
    audience: 'everyone',
    budgetFen: 500_000,
  });
  if (created.status !== 201) {
    say(`coupon drop refused: ${created.status} ${JSON.stringify(created.data).slice(0, 200)}`);
    return null;
  }
  const started = await sys.gateway.post(`/coupon-campaigns/${created.data.id}/start`, {});
  say(`coupon drop: campaign ${created.data.id} ${started.status === 200 || started.status === 201 ? 'started on every shop' : `start answered ${started.status}`}`);
  return created.data.id;
}

/** the campaign's counted figures beside each simulator's own truth of the coupon it holds */
async function couponFigureLines(
  sys: System,
  c: { figures: { redemptions: number; returned: number; spentFen: number; gmvFen: number; byPlatform: { platform: string; redemptions: number; spentFen: number }[]; budget: { spentPct: number } }; platforms: { platform: string; platformCouponId: string | null }[] } | null,
): Promise<string[]> {
  if (!c) return ['  redemptions / spend: n/a'];
  const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
  const lines = [`  redemptions ${c.figures.redemptions} (returned ${c.figures.returned}), spent ${yuan(c.figures.spentFen)} (${c.figures.budget.spentPct}% of budget), GMV ${yuan(c.figures.gmvFen)}`];
  for (const p of c.platforms.filter((x) => x.platformCouponId)) {
    const truth = (await sys.sandboxAdmin<Array<{ couponId: string; net: number }>>(p.platform as Platform, 'GET', 'coupons/truth')).find((t) => t.couponId === p.platformCouponId);
    const ours = c.figures.byPlatform.find((b) => b.platform === p.platform);
    lines.push(`  ${p.platform.padEnd(12)} counted ${ours?.redemptions ?? 0}, the simulator's truth ${truth?.net ?? 'n/a'}`);
  }
  return lines;
}

/**
 * The ops page in a headless Chromium (scripts/ops-page-browser.ts), signed in with the ops key, photographed
 * into bench/results/ops-page-<label>.png. puppeteer-core is a dev dependency: loaded only with --screenshots.
 */
class OpsPageCamera {
  private constructor(
    private readonly browser: import('./ops-page-browser').OpsBrowser,
    private readonly say: (line: string) => void,
  ) {}

  static async open(gateway: string, key: string, say: (line: string) => void): Promise<OpsPageCamera> {
    const { launchOpsBrowser, signInToOpsPage } = await import('./ops-page-browser');
    const browser = await launchOpsBrowser({ width: 1400, height: 1000 });
    await signInToOpsPage(browser.page, gateway, key);
    say('ops page signed in in a headless Chromium (--screenshots)');
    return new OpsPageCamera(browser, say);
  }

  /** `english`: switch the page to English for this photo, and back */
  async shoot(label: string, then?: () => void, english = false): Promise<void> {
    then?.();
    const dir = join(__dirname, '..', 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `ops-page-${label}.png`);
    const page = this.browser.page;
    if (english) await page.click('#lang');
    await page.screenshot({ path: file, fullPage: true });
    if (english) await page.click('#lang');
    this.say(`screenshot ${file}`);
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
