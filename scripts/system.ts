/**
 * Starts the whole system as separate processes, the way it runs in production: the platform + ERP
 * simulators (libs/sandbox) and the four apps, against the real Postgres and Redis. Used by
 * `npm run demo`, `npm run bench:orders` and the e2e tests.
 *
 *   const sys = await startSystem({ ... });   // migrates, starts, registers the simulated shops
 *   await sys.sandboxAdmin('douyin', 'POST', 'generator/burst', { count: 100 });
 *   await sys.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { DataSource } from 'typeorm';
import { redisEnvOf, type Platform, type RedisConfig } from '@app/contracts';
import { buildDataSourceOptions, ensureDatabase } from '@app/persistence/data-source';
import { simulatedPlatforms, simulatorManifest } from '@app/sandbox/registry';
import { ALL_MIGRATIONS } from './migrations';

const ROOT = join(__dirname, '..');
export const APPS = ['gateway', 'order-sync', 'catalog-sync', 'coupon'] as const;
export type AppName = (typeof APPS)[number];
export const SIM_PLATFORMS: Platform[] = ['douyin', 'taobao', 'xiaohongshu'];
/** where the simulated shops ship from (their shop location; Taobao's item.add sends it) */
export const DEMO_SHOP_LOCATION = { state: '浙江', city: '杭州' } as const;
/** every registered simulator (libs/sandbox/src/registry.ts): what the demo runs (SystemOptions.platforms) */
export const ALL_SIM_PLATFORMS: Platform[] = simulatedPlatforms();
/** the three platforms the sandbox starts under their own env names; any other is SANDBOX_<NAME>_PORT / SANDBOX_PUSH_URL_<NAME> */
const NAMED_SIMS: readonly string[] = ['douyin', 'taobao', 'xiaohongshu'];
/** V8 flags of every app process; keep in step with NODE_OPTIONS in docker/Dockerfile */
export const APP_NODE_OPTIONS = '--max-old-space-size=160 --max-semi-space-size=12';

export interface SystemOptions {
  databaseUrl: string;
  /** where Redis is: a redis:// URL (default the local server) or a RedisTarget (a cluster, a Sentinel set) */
  redis?: RedisConfig;
  /** BullMQ prefix (and rate-limit key prefix): a unique one isolates a run */
  prefix?: string;
  secretsKey?: string;
  /** INTERNAL_SERVICE_SECRET shared by the four apps (gateway-signed internal calls); default: random per run */
  internalServiceSecret?: string;
  /** the platform operator's token (Bull Board, /operator/*); the gateway gets its SHA-256. Default: random per run */
  operatorToken?: string;
  /** fixed ports (demo) or 0 for free ones (tests, benchmarks) */
  ports?: Partial<Record<AppName | 'douyin' | 'taobao' | 'xiaohongshu' | 'erp', number>> & Partial<Record<string, number>>;
  /** the simulated platforms whose shops are registered (default SIM_PLATFORMS; ALL_SIM_PLATFORMS adds every other registered one) */
  platforms?: Platform[];
  /** fixed METRICS_PORTs (demo) or 0 for free ones */
  metricsPorts?: Partial<Record<AppName, number>>;
  /** which apps to start (default all four) */
  apps?: readonly AppName[];
  /** extra env for every app, and per app */
  env?: Record<string, string>;
  appEnv?: Partial<Record<AppName, Record<string, string>>>;
  sandboxEnv?: Record<string, string>;
  erpSecret?: string;
  /**
   * a second merchant (own admin key) owning the simulators' shops of these platforms instead of the first
   * merchant — two merchants on one system, each with its own shops
   */
  secondMerchant?: { platforms: Platform[] };
  /** more host:port entries the outbound URL policy lets the apps reach (a test's own ERP simulators) */
  extraOutboundHosts?: string[];
  /** inherit the children's output (demo) instead of keeping it in memory (tests) */
  stdio?: 'inherit' | 'pipe';
  log?: (line: string) => void;
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  port: number;
  url: string;
  output: string[];
}

export interface SimShop {
  platformShopId: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  refreshToken: string;
}

export interface System {
  options: Required<Pick<SystemOptions, 'databaseUrl' | 'redis' | 'prefix' | 'secretsKey' | 'erpSecret' | 'internalServiceSecret' | 'operatorToken'>>;
  processes: Map<string, RunningProcess>;
  urls: Record<string, string>;
  /** each app's metrics listener (METRICS_PORT): `${metricsUrls[app]}/metrics` */
  metricsUrls: Partial<Record<AppName, string>>;
  adminKey: string;
  merchantId: string;
  /** the shops registered, whichever merchant owns them */
  shops: Record<Platform, { id: string; platformShopId: string }>;
  /** the simulated platforms whose shops are registered (SystemOptions.platforms) */
  platforms: Platform[];
  /** an axios client for the gateway with the admin key */
  gateway: AxiosInstance;
  /** the second merchant (SystemOptions.secondMerchant), null without one */
  second: { merchantId: string; adminKey: string; gateway: AxiosInstance; platforms: Platform[] } | null;
  /** an axios client for the gateway with the operator token (GET /operator/queues, Bull Board) */
  operator: AxiosInstance;
  sandboxAdmin<T = unknown>(target: Platform | 'erp', method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** peak resident set size (VmHWM) of each child, MB */
  peakRssMb(): Record<string, number>;
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  restart(name: string): Promise<void>;
  /**
   * One more instance of a running app (the same env, its own port and metrics port), named `name` in
   * `processes` (e.g. `order-sync-2`): several instances on one Postgres and Redis, as a deployment scales them.
   * Traffic still enters through the first gateway (the simulators push there); the new instance works the same queues.
   */
  addInstance(app: AppName, name: string): Promise<RunningProcess>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `n` distinct free ports: all listened on at once, then released together, so one system never gets the
 * same port twice (freePort() called in a row can hand back a port it just released).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((srv) => {
    const addr = srv.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
  return ports;
}

/** Creates the database if needed and applies every migration (what `npm run migrate` does). */
export async function migrate(databaseUrl: string): Promise<void> {
  await ensureDatabase(databaseUrl);
  const ds = new DataSource(buildDataSourceOptions({ url: databaseUrl, migrations: ALL_MIGRATIONS, poolSize: 2 }));
  await ds.initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, proc?: RunningProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`${what} exited with code ${proc.child.exitCode}:\n${proc.output.slice(-30).join('')}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms${proc ? `:\n${proc.output.slice(-30).join('')}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function spawnTs(name: string, file: string, env: Record<string, string>, stdio: 'inherit' | 'pipe', port: number): RunningProcess {
  // OMNISYNC_CPU_PROF_DIR=<dir>: every process writes a V8 CPU profile there when it exits (profiling a bench run)
  const prof = process.env.OMNISYNC_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.OMNISYNC_CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...prof, join(ROOT, 'scripts/run-ts.js'), join(ROOT, file)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: stdio === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  const proc: RunningProcess = { name, child, port, url: `http://127.0.0.1:${port}`, output: [] };
  const keep = (b: Buffer) => {
    proc.output.push(b.toString());
    if (proc.output.length > 400) proc.output.splice(0, 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return proc;
}

function vmHwmMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

export async function startSystem(o: SystemOptions): Promise<System> {
  const log = o.log ?? (() => undefined);
  const options = {
    databaseUrl: o.databaseUrl,
    redis: o.redis ?? 'redis://127.0.0.1:6379',
    prefix: o.prefix ?? `os-${randomBytes(3).toString('hex')}`,
    secretsKey: o.secretsKey ?? randomBytes(32).toString('hex'),
    erpSecret: o.erpSecret ?? 'erp-demo-secret',
    internalServiceSecret: o.internalServiceSecret ?? randomBytes(32).toString('hex'),
    operatorToken: o.operatorToken ?? `op_${randomBytes(24).toString('hex')}`,
  };
  const apps = o.apps ?? APPS;
  // every port this system needs, distinct (fixed ones from the options, the rest free ones taken together)
  const platforms = o.platforms ?? SIM_PLATFORMS;
  // every other registered simulator gets a port of this system's own, shop or not: the sandbox starts them all, and
  // a default port would collide between systems running side by side
  const extras = ALL_SIM_PLATFORMS.filter((p) => !NAMED_SIMS.includes(p));
  const spare = await freePorts(8 + APPS.length + extras.length);
  const port = (k: keyof NonNullable<SystemOptions['ports']>) => o.ports?.[k] ?? spare.pop()!;
  const ports: Record<string, number> = {
    douyin: port('douyin'),
    taobao: port('taobao'),
    xiaohongshu: port('xiaohongshu'),
    erp: port('erp'),
    gateway: port('gateway'),
    'order-sync': port('order-sync'),
    'catalog-sync': port('catalog-sync'),
    coupon: port('coupon'),
  };
  for (const p of extras) ports[p] = port(p);
  const metricsPorts = {} as Record<AppName, number>;
  for (const app of APPS) metricsPorts[app] = o.metricsPorts?.[app] ?? spare.pop()!;
  const stdio = o.stdio ?? 'pipe';
  const processes = new Map<string, RunningProcess>();
  // children never outlive the process that started them (a crash or an early exit included)
  const killAll = () => {
    for (const p of processes.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const specs = new Map<string, { file: string; env: Record<string, string> }>();

  log('migrating');
  await migrate(options.databaseUrl);

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const sandboxEnv: Record<string, string> = {
    SANDBOX_DOUYIN_PORT: String(ports.douyin),
    SANDBOX_TAOBAO_PORT: String(ports.taobao),
    SANDBOX_XHS_PORT: String(ports.xiaohongshu),
    SANDBOX_ERP_PORT: String(ports.erp),
    SANDBOX_ERP_SECRET: options.erpSecret,
    SANDBOX_PUSH_URL_DOUYIN: `${gatewayUrl}/webhooks/douyin`,
    SANDBOX_PUSH_URL_XHS: `${gatewayUrl}/webhooks/xiaohongshu`,
    SANDBOX_TMC_REDELIVER_MS: '20000',
    // any other registered simulator: its port, and its push target naming the app (Kuaishou's pushes carry no app header)
    ...Object.fromEntries(
      extras.flatMap((p) => [
        [`SANDBOX_${p.toUpperCase()}_PORT`, String(ports[p])],
        [`SANDBOX_PUSH_URL_${p.toUpperCase()}`, `${gatewayUrl}/webhooks/${p}?appKey=${encodeURIComponent(simulatorManifest(p).demoShop.appKey)}`],
      ]),
    ),
    ...(o.sandboxEnv ?? {}),
  };
  const start = async (name: string, file: string, env: Record<string, string>, p: number, ready: string) => {
    specs.set(name, { file, env });
    const proc = spawnTs(name, file, env, stdio, p);
    processes.set(name, proc);
    await waitFor(name, async () => (await axios.get(`${proc.url}${ready}`, { timeout: 1000, validateStatus: () => true })).status === 200, 60_000, proc);
    log(`${name} up on ${proc.url}`);
    return proc;
  };

  try {
    await start('sandbox', 'libs/sandbox/src/main.ts', sandboxEnv, ports.douyin, '/__admin/stats');
    const appEnv = (app: AppName): Record<string, string> => ({
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PORT: String(ports[app]),
      DATABASE_URL: options.databaseUrl,
      ...redisEnvOf(options.redis),
      BULLMQ_PREFIX: options.prefix,
      SECRETS_KEY: options.secretsKey,
      INTERNAL_SERVICE_SECRET: options.internalServiceSecret,
      METRICS_PORT: String(metricsPorts[app]),
      BIND_HOST: '127.0.0.1',
      ERP_BASE_URL: `http://127.0.0.1:${ports.erp}`,
      ERP_SECRET: options.erpSecret,
      // the outbound URL policy refuses loopback: allow exactly the simulators' ports (platforms and ERP), so
      // every other internal address (127.0.0.1:6379, :5432, the apps themselves) is still refused
      OUTBOUND_ALLOW_HOSTS: [...[ports.douyin, ports.taobao, ports.xiaohongshu, ...extras.map((p) => ports[p]), ports.erp].map((p) => `127.0.0.1:${p}`), ...(o.extraOutboundHosts ?? [])].join(','),
      // the same V8 heap settings as the production image (docker/Dockerfile): bounded old space and a small
      // young generation keep each process's resident memory predictable under a burst
      NODE_OPTIONS: APP_NODE_OPTIONS,
      COUPON_SERVICE_URL: `http://127.0.0.1:${ports.coupon}`,
      ORDER_SYNC_URL: `http://127.0.0.1:${ports['order-sync']}`,
      CATALOG_SYNC_URL: `http://127.0.0.1:${ports['catalog-sync']}`,
      // the platforms' API hosts are operator configuration: here, the simulators
      PLATFORM_BASE_URL_DOUYIN: `http://127.0.0.1:${ports.douyin}`,
      PLATFORM_BASE_URL_TAOBAO: `http://127.0.0.1:${ports.taobao}`,
      PLATFORM_BASE_URL_XIAOHONGSHU: `http://127.0.0.1:${ports.xiaohongshu}`,
      PLATFORM_AUTHORIZE_URL_DOUYIN: `http://127.0.0.1:${ports.douyin}/authorize`,
      PLATFORM_AUTHORIZE_URL_TAOBAO: `http://127.0.0.1:${ports.taobao}/authorize`,
      PLATFORM_AUTHORIZE_URL_XIAOHONGSHU: `http://127.0.0.1:${ports.xiaohongshu}/ark/authorization`,
      ...Object.fromEntries(extras.map((p) => [`PLATFORM_BASE_URL_${p.toUpperCase()}`, `http://127.0.0.1:${ports[p]}`])),
      ...(app === 'gateway' ? { OPERATOR_TOKEN_SHA256: createHash('sha256').update(options.operatorToken).digest('hex') } : {}),
      ...(o.env ?? {}),
      ...(o.appEnv?.[app] ?? {}),
    });
    await Promise.all(apps.map((app) => start(app, `apps/${app}/src/main.ts`, appEnv(app), ports[app], '/health/live')));
  } catch (e) {
    for (const p of processes.values()) p.child.kill('SIGKILL');
    throw e;
  }

  const sandboxUrl = (t: Platform | 'erp') => `http://127.0.0.1:${ports[t]}`;
  const sandboxAdmin = async <T>(t: Platform | 'erp', method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> => {
    const res = await axios.request({ method, url: `${sandboxUrl(t)}/__admin/${path}`, data: body, timeout: 30_000 });
    return res.data as T;
  };

  // an admin key, then the three simulated shops registered through the gateway's own API
  const { merchantId, adminKey } = await createAdminKey(options.databaseUrl, `merchant-${options.prefix}`);
  const gatewayFor = (key: string) =>
    axios.create({ baseURL: gatewayUrl, headers: { authorization: `Bearer ${key}` }, timeout: 30_000, validateStatus: () => true });
  const gateway = gatewayFor(adminKey);
  let second: System['second'] = null;
  if (o.secondMerchant) {
    const b = await createAdminKey(options.databaseUrl, `merchant-${options.prefix}-b`);
    second = { merchantId: b.merchantId, adminKey: b.adminKey, gateway: gatewayFor(b.adminKey), platforms: o.secondMerchant.platforms };
  }
  const operator = axios.create({ baseURL: gatewayUrl, headers: { authorization: `Bearer ${options.operatorToken}` }, timeout: 30_000, validateStatus: () => true });
  const shops = {} as System['shops'];
  if (apps.includes('gateway')) {
    for (const platform of platforms) {
      const gateway = second?.platforms.includes(platform) ? second.gateway : gatewayFor(adminKey);
      // the simulators start with their demo shop; its current tokens come from the admin state
      const demo: SimShop = simulatorManifest(platform).demoShop;
      const state = await sandboxAdmin<{ tokens: Array<{ platformShopId: string; accessToken: string; refreshToken: string }> }>(platform, 'GET', 'state');
      const tokens = state.tokens.find((t) => t.platformShopId === demo.platformShopId);
      const sim = { ...demo, ...(tokens ?? {}) };
      const res = await gateway.post('/shops', {
        platform,
        platformShopId: sim.platformShopId,
        name: `${platform} live shop`,
        appKey: sim.appKey,
        appSecret: sim.appSecret,
        accessToken: sim.accessToken,
        refreshToken: sim.refreshToken,
        // a shop setting: Taobao's item.add needs it to publish new products
        location: DEMO_SHOP_LOCATION,
      });
      if (res.status !== 201 && res.status !== 409) throw new Error(`POST /shops (${platform}) -> ${res.status} ${JSON.stringify(res.data)}`);
      const list = await gateway.get('/shops');
      const row = (list.data as Array<{ id: string; platform: string; platformShopId: string; location: unknown }>).find(
        (s) => s.platform === platform && s.platformShopId === sim.platformShopId,
      );
      if (!row) throw new Error(`shop ${platform}/${sim.platformShopId} not listed after registration`);
      if (row.location === null) {
        // registered before shops had a location (409 above): set it
        const patched = await gateway.patch(`/shops/${row.id}`, { location: DEMO_SHOP_LOCATION });
        if (patched.status !== 200) throw new Error(`PATCH /shops/${row.id} (location) -> ${patched.status} ${JSON.stringify(patched.data)}`);
      }
      shops[platform] = { id: row.id, platformShopId: row.platformShopId };
    }
  }

  const urls: Record<string, string> = { sandbox: sandboxUrl('douyin') };
  for (const t of ['douyin', 'taobao', 'xiaohongshu', ...extras, 'erp']) urls[t] = sandboxUrl(t);
  for (const app of apps) urls[app] = `http://127.0.0.1:${ports[app]}`;
  const metricsUrls: System['metricsUrls'] = {};
  for (const app of apps) metricsUrls[app] = `http://127.0.0.1:${metricsPorts[app]}`;

  const stopProc = async (p: RunningProcess, signal: NodeJS.Signals) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  return {
    options,
    processes,
    urls,
    metricsUrls,
    adminKey,
    merchantId,
    shops,
    platforms,
    gateway,
    second,
    operator,
    sandboxAdmin,
    peakRssMb: () => Object.fromEntries([...processes.values()].map((p) => [p.name, vmHwmMb(p.child.pid)])),
    async kill(name, signal = 'SIGKILL') {
      const p = processes.get(name);
      if (p) await stopProc(p, signal);
    },
    async addInstance(app, name) {
      const spec = specs.get(app);
      if (!spec) throw new Error(`${app} is not running in this system`);
      if (processes.has(name)) throw new Error(`a process named ${name} exists already`);
      const [port, metricsPort] = await freePorts(2);
      return start(name, spec.file, { ...spec.env, PORT: String(port), METRICS_PORT: String(metricsPort) }, port, '/health/live');
    },
    async restart(name) {
      const spec = specs.get(name);
      const old = processes.get(name);
      if (!spec || !old) throw new Error(`unknown process ${name}`);
      await stopProc(old, 'SIGTERM');
      const proc = spawnTs(name, spec.file, spec.env, stdio, old.port);
      processes.set(name, proc);
      const ready = name === 'sandbox' ? '/__admin/stats' : '/health/live';
      await waitFor(name, async () => (await axios.get(`${proc.url}${ready}`, { timeout: 1000, validateStatus: () => true })).status === 200, 60_000, proc);
    },
    async stop() {
      const list = [...processes.values()];
      await Promise.all(list.filter((p) => p.name !== 'sandbox').map((p) => stopProc(p, 'SIGTERM')));
      await Promise.all(list.filter((p) => p.name === 'sandbox').map((p) => stopProc(p, 'SIGTERM')));
    },
  };
}

/** The first admin key of a merchant, as `npm run cli -- create-admin-key` makes it. */
async function createAdminKey(databaseUrl: string, merchantName: string): Promise<{ merchantId: string; adminKey: string }> {
  const { runCli } = await import('../apps/gateway/src/cli');
  const out: string[] = [];
  const code = await runCli(['create-admin-key', '--merchant', merchantName], { DATABASE_URL: databaseUrl } as NodeJS.ProcessEnv, {
    out: (s: string) => out.push(s),
    err: () => undefined,
  });
  if (code !== 0 || !out[0]) throw new Error(`create-admin-key failed (${code})`);
  const ds = new DataSource(buildDataSourceOptions({ url: databaseUrl, poolSize: 1 }));
  await ds.initialize();
  try {
    const rows: Array<{ id: string }> = await ds.query('SELECT id FROM core.merchants WHERE name = $1', [merchantName]);
    return { merchantId: rows[0].id, adminKey: out[0].trim() };
  } finally {
    await ds.destroy();
  }
}
