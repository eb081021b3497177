/**
 * `npm run sandbox`: starts the Douyin, Taobao and Xiaohongshu simulators, every other registered simulator
 * (Kuaishou: SANDBOX_KUAISHOU_PORT, default 4110; SANDBOX_PUSH_URL_KUAISHOU must end in ?appKey=<appKey>) (and the ERP simulator
 * when libs/sandbox/src/erp provides one), prints their URLs and demo shop credentials, and stops
 * on SIGINT / SIGTERM.
 *
 * Env: SANDBOX_HOST (127.0.0.1), SANDBOX_DOUYIN_PORT (4101), SANDBOX_TAOBAO_PORT (4102),
 * SANDBOX_XHS_PORT (4103), SANDBOX_ERP_PORT (4104), SANDBOX_QPS (100 per shop; 0 = off),
 * SANDBOX_QPS_PER_API (per shop and API method, like the platforms' per-API quotas; 0 = off, the default),
 * SANDBOX_PUSH_URL_DOUYIN, SANDBOX_PUSH_URL_XHS (push targets), SANDBOX_PUSH_BATCH_SIZE (20),
 * SANDBOX_ERP_SECRET (erp-demo-secret), SANDBOX_ORDERS_PER_SEC (0 = generator off), SANDBOX_SEED (1), SANDBOX_TMC_REDELIVER_MS (60000),
 * SANDBOX_ROBOTS=true: also the DingTalk, Feishu and WeCom robot simulators (SANDBOX_DINGTALK_PORT 4105,
 * SANDBOX_FEISHU_PORT 4106, SANDBOX_WECOM_PORT 4107), each with one robot `demo` (secret SANDBOX_ROBOT_SECRET,
 * SECdemo-robot-secret; WeCom has none).
 */
import { simulatedPlatforms, simulatorManifest } from './registry';
import { startSandbox } from './start';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const host = process.env.SANDBOX_HOST ?? '127.0.0.1';
  const robotSecret = process.env.SANDBOX_ROBOT_SECRET ?? 'SECdemo-robot-secret';
  const qpsRaw = envNumber('SANDBOX_QPS', 100);
  const qpsPerApiRaw = envNumber('SANDBOX_QPS_PER_API', 0);
  const common = {
    host,
    qps: qpsRaw === 0 ? null : qpsRaw,
    qpsPerApi: qpsPerApiRaw === 0 ? null : qpsPerApiRaw,
    pushBatchSize: envNumber('SANDBOX_PUSH_BATCH_SIZE', 20),
    seed: envNumber('SANDBOX_SEED', 1),
    tmcRedeliverAfterMs: envNumber('SANDBOX_TMC_REDELIVER_MS', 60_000),
  };
  const sandbox = await startSandbox({
    douyin: { ...common, port: envNumber('SANDBOX_DOUYIN_PORT', 4101), pushUrl: process.env.SANDBOX_PUSH_URL_DOUYIN ?? null },
    taobao: { ...common, port: envNumber('SANDBOX_TAOBAO_PORT', 4102) },
    xiaohongshu: { ...common, port: envNumber('SANDBOX_XHS_PORT', 4103), pushUrl: process.env.SANDBOX_PUSH_URL_XHS ?? null },
    // every other registered simulator: SANDBOX_<NAME>_PORT (default its manifest's port), SANDBOX_PUSH_URL_<NAME>
    platforms: Object.fromEntries(
      simulatedPlatforms()
        .filter((p) => p !== 'douyin' && p !== 'taobao' && p !== 'xiaohongshu')
        .map((p) => [p, { ...common, port: envNumber(`SANDBOX_${p.toUpperCase()}_PORT`, simulatorManifest(p).defaultPort), pushUrl: process.env[`SANDBOX_PUSH_URL_${p.toUpperCase()}`] ?? null }]),
    ),
    erp: { host, port: envNumber('SANDBOX_ERP_PORT', 4104), secret: process.env.SANDBOX_ERP_SECRET ?? 'erp-demo-secret' },
    ...(process.env.SANDBOX_ROBOTS === 'true'
      ? {
          robots: {
            dingtalk: { host, port: envNumber('SANDBOX_DINGTALK_PORT', 4105), robots: { demo: { secret: robotSecret } } },
            feishu: { host, port: envNumber('SANDBOX_FEISHU_PORT', 4106), robots: { demo: { secret: robotSecret } } },
            wecom: { host, port: envNumber('SANDBOX_WECOM_PORT', 4107), robots: { demo: { secret: null } } },
          },
        }
      : {}),
  });
  const rate = envNumber('SANDBOX_ORDERS_PER_SEC', 0);
  const lines: string[] = ['omnisync sandbox running'];
  for (const sim of [sandbox.douyin, sandbox.taobao, sandbox.xiaohongshu, ...Object.values(sandbox.others)]) {
    if (!sim) continue;
    if (rate > 0) sim.startGenerator(rate);
    const shop = sim.shop();
    const gateway = simulatorManifest(sim.platform).gatewayPath;
    lines.push(
      `  ${sim.platform.padEnd(12)} ${sim.url}  (gateway ${gateway}, admin ${sim.url}/__admin/state)`,
      `    shop ${shop.platformShopId}  appKey ${shop.appKey}  appSecret ${shop.appSecret}`,
      `    accessToken ${shop.accessToken}  refreshToken ${shop.refreshToken}`,
    );
  }
  if (sandbox.erp) lines.push(`  erp          ${sandbox.erp.url ?? '(started)'}  (generic-http secret ${process.env.SANDBOX_ERP_SECRET ?? 'erp-demo-secret'})`);
  for (const robot of sandbox.robots) {
    lines.push(`  ${`${robot.kind} robot`.padEnd(12)} ${robot.webhookUrl('demo')}  (${robot.kind === 'wecom' ? 'no secret' : `secret ${robotSecret}`}; received: ${robot.url}/__admin/received)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping sandbox\n`);
    sandbox.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`sandbox close failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`sandbox failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
