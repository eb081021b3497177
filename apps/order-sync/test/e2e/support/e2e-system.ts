/**
 * Whole-system e2e support: one real system (sandbox + gateway + order-sync as child processes) per test
 * file, on its own Postgres database `omnisync_e2e_<random>` and its own BullMQ prefix, torn down afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { Platform, RedisConfig } from '@app/contracts';
import { startOwnRedisCluster, testClusterBasePort, type OwnRedisCluster } from '@app/testing/own-redis-cluster';
import { startSystem, type AppName, type System, type SystemOptions } from '../../../../../scripts/system';

const PG_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const PLATFORMS: Platform[] = ['douyin', 'taobao', 'xiaohongshu'];

/**
 * OMNISYNC_REDIS_MODE=cluster (scripts/test.sh's cluster pass): every system whose test does not bring its own
 * Redis runs on a local Redis Cluster of its own (startOwnRedisCluster, three masters and three replicas) instead
 * of the shared server. Its ports: OMNISYNC_TEST_CLUSTER_PORT (default 26000) + 100 + 10 x the jest worker id, so
 * the files jest runs side by side never share one.
 */
export const E2E_REDIS_MODE: 'single' | 'cluster' = process.env.OMNISYNC_REDIS_MODE === 'cluster' ? 'cluster' : 'single';

export function e2eClusterBasePort(): number {
  return testClusterBasePort(100 + 10 * Number(process.env.JEST_WORKER_ID ?? '1'));
}

export interface E2eSystem {
  sys: System;
  db: DataSource;
  /** single mode: the server's URL; cluster mode: the cluster's first node (a seed, not the whole keyspace) */
  redisUrl: string;
  /** what the apps were given */
  redis: RedisConfig;
  redisMode: 'single' | 'cluster';
  /** the cluster this system runs on (cluster mode, or the test's own `redisCluster`) */
  cluster: OwnRedisCluster | null;
  prefix: string;
  databaseName: string;
  teardown(): Promise<void>;
}

export interface E2eOptions {
  /** a whole Redis db index for this system (tests that wipe Redis); otherwise db 0 with a unique prefix */
  dedicatedRedisDb?: boolean;
  apps?: readonly AppName[];
  orderSyncEnv?: Record<string, string>;
  sandboxEnv?: Record<string, string>;
  /** the simulated platforms whose shops are registered (scripts/system.ts SystemOptions.platforms; default the three) */
  platforms?: Platform[];
  /** a second merchant owning these platforms' shops (scripts/system.ts SystemOptions.secondMerchant) */
  secondMerchant?: { platforms: Platform[] };
  /** more host:port entries the apps' outbound URL policy allows (scripts/system.ts SystemOptions.extraOutboundHosts) */
  extraOutboundHosts?: string[];
  /** extra env for every app (below orderSyncEnv for order-sync) */
  env?: Record<string, string>;
  /** fixed secrets instead of random ones (the canary test) */
  secrets?: Pick<SystemOptions, 'secretsKey' | 'erpSecret' | 'internalServiceSecret' | 'operatorToken'>;
  /** a Redis server of the test's own (redis://host:port; tests that freeze, stop or restart Redis) instead of the shared one: db 0, with this run's prefix */
  redisUrl?: string;
  /** a Redis Cluster of the test's own (failover tests): the system runs on it; the test stops it */
  redisCluster?: OwnRedisCluster;
  /** a Postgres cluster of the test's own (superuser URL of its `postgres` db): the system's database is created there */
  pgAdminUrl?: string;
}

/** The first empty Redis db index in 10..15 (never 0: other processes share it). */
async function emptyRedisDb(): Promise<number> {
  for (let db = 10; db <= 15; db++) {
    const r = new Redis({ host: '127.0.0.1', port: 6379, db, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await r.connect();
      if ((await r.dbsize()) === 0) return db;
    } finally {
      r.disconnect();
    }
  }
  throw new Error('no empty Redis db index in 10..15 for a wipe test');
}

export async function startE2eSystem(o: E2eOptions = {}): Promise<E2eSystem> {
  const id = randomBytes(4).toString('hex');
  const databaseName = `omnisync_e2e_${id}`;
  const pgAdminUrl = o.pgAdminUrl ?? PG_ADMIN_URL;
  const dbUrl = new URL(pgAdminUrl);
  dbUrl.pathname = `/${databaseName}`;
  // a private Redis (own-redis / private-servers) is the test's alone: db 0, no dedicated index to find
  const redisDb = o.dedicatedRedisDb && !o.redisUrl ? await emptyRedisDb() : 0;
  // cluster mode applies to tests on the shared server; one with its own server or a whole db index keeps it
  const ownCluster = !o.redisCluster && !o.redisUrl && !o.dedicatedRedisDb && E2E_REDIS_MODE === 'cluster' ? await startOwnRedisCluster(e2eClusterBasePort()) : null;
  const cluster = o.redisCluster ?? ownCluster;
  const redisUrl = cluster
    ? `redis://${cluster.nodes[0]}`
    : o.redisUrl
      ? `${o.redisUrl.replace(/\/+$/, '')}/0`
      : `redis://127.0.0.1:6379/${redisDb}`;
  const redis: RedisConfig = cluster ? cluster.target : redisUrl;
  const prefix = `e2e-${id}`;
  let sys: System | undefined;
  try {
    sys = await startSystem({
      databaseUrl: dbUrl.toString(),
      redis,
      prefix,
      apps: o.apps ?? ['gateway', 'order-sync'],
      env: o.env,
      ...(o.secrets ?? {}),
      appEnv: { 'order-sync': { SHUTDOWN_GRACE_MS: '3000', ...(o.orderSyncEnv ?? {}) }, gateway: { SHUTDOWN_GRACE_MS: '3000' } },
      sandboxEnv: o.sandboxEnv,
      secondMerchant: o.secondMerchant,
      platforms: o.platforms,
      extraOutboundHosts: o.extraOutboundHosts,
    });
  } catch (e) {
    await dropDatabase(databaseName, pgAdminUrl);
    if (ownCluster) await ownCluster.stop();
    else if (!cluster) await cleanRedis(redisUrl, prefix, o.dedicatedRedisDb === true);
    throw e;
  }
  const db = new DataSource({ type: 'postgres', url: dbUrl.toString(), poolSize: 2 });
  await db.initialize();
  const running = sys;
  return {
    sys: running,
    db,
    redisUrl,
    redis,
    redisMode: cluster ? 'cluster' : 'single',
    cluster,
    prefix,
    databaseName,
    async teardown() {
      await running.stop().catch(() => undefined);
      if (db.isInitialized) await db.destroy();
      await dropDatabase(databaseName, pgAdminUrl);
      // a cluster of the system's own goes whole; the test's own is the test's to stop
      if (ownCluster) await ownCluster.stop();
      else if (!cluster) await cleanRedis(redisUrl, prefix, o.dedicatedRedisDb === true);
    },
  };
}

async function dropDatabase(name: string, adminUrl: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url: adminUrl });
  await admin.initialize();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.destroy();
  }
}

/** Deletes this run's keys: the whole db when it is a dedicated one (never db 0), else `<prefix>*` keys only. */
async function cleanRedis(url: string, prefix: string, dedicated: boolean): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    const db = Number(new URL(url).pathname.slice(1) || '0');
    if (dedicated && db !== 0) {
      await r.flushdb();
      return;
    }
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** Polls `check` until it returns a value other than undefined/false; throws with `describe()` on timeout. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  describe?: () => Promise<string> | string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const detail = describe ? await describe() : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail}` : ''}${lastError ? ` (last error ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ------------------------------------------------------------------ simulator views

export interface ErpOrder {
  erpOrderId: string;
  orderId: string | null;
  platform: string | null;
  platformOrderId: string;
  status: string;
  version: number;
  firstAckAt: number;
  lastAckAt: number;
  keys: string[];
  deliveries: number;
  intercepted: string | null;
}

export interface GeneratedOrder {
  orderId: string;
  shopId: string;
  paidAt: number;
}

export interface SimOrderView {
  orderId: string;
  status: string;
  items: { unitPriceFen: number; quantity: number }[];
  shippingFen: number;
  discountFen: number;
}

export async function erpOrders(sys: System): Promise<ErpOrder[]> {
  return (await sys.sandboxAdmin<{ orders: ErpOrder[] }>('erp', 'GET', 'orders')).orders;
}

export async function generated(sys: System, platform: Platform): Promise<GeneratedOrder[]> {
  return sys.sandboxAdmin<GeneratedOrder[]>(platform, 'GET', 'generated');
}

export async function simOrders(sys: System, platform: Platform): Promise<SimOrderView[]> {
  return sys.sandboxAdmin<SimOrderView[]>(platform, 'GET', 'orders');
}

export const paidFenOf = (o: SimOrderView): number =>
  o.items.reduce((n, i) => n + i.unitPriceFen * i.quantity, 0) + o.shippingFen - o.discountFen;

/** ERP orders of one platform grouped by platform order id (several per id = a duplicate ERP order). */
export function erpByPlatformOrder(orders: ErpOrder[], platform: Platform): Map<string, ErpOrder[]> {
  const m = new Map<string, ErpOrder[]>();
  for (const o of orders) {
    if (o.platform !== platform) continue;
    const list = m.get(o.platformOrderId) ?? [];
    list.push(o);
    m.set(o.platformOrderId, list);
  }
  return m;
}

/** Resolves to true once every id has an ERP order (per platform); throws listing the missing ones on timeout. */
export async function waitAllAtErp(sys: System, want: Record<string, string[]>, timeoutMs: number): Promise<ErpOrder[]> {
  let missing: string[] = [];
  return waitUntil(
    'every order at the ERP',
    async () => {
      const orders = await erpOrders(sys);
      missing = [];
      for (const [platform, ids] of Object.entries(want)) {
        const have = erpByPlatformOrder(orders, platform as Platform);
        for (const id of ids) if (!have.has(id)) missing.push(`${platform}:${id}`);
      }
      return missing.length === 0 ? orders : undefined;
    },
    timeoutMs,
    () => `${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
    300,
  );
}

/** Every id exactly once at the ERP; returns the duplicates found (platform:id x count). */
export function duplicateErpOrders(orders: ErpOrder[]): string[] {
  const out: string[] = [];
  for (const p of PLATFORMS) for (const [id, list] of erpByPlatformOrder(orders, p)) if (list.length > 1) out.push(`${p}:${id} x${list.length}`);
  return out;
}

export async function outboxStatusCounts(db: DataSource): Promise<Record<string, number>> {
  const rows: { status: string; n: string }[] = await db.query(`SELECT status, count(*)::text AS n FROM order_sync.outbox GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export async function inboxStatusCounts(db: DataSource): Promise<Record<string, number>> {
  const rows: { status: string; n: string }[] = await db.query(`SELECT status, count(*)::text AS n FROM order_sync.inbox GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export interface QueueHealthView {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  failedTotal: number;
}

/** GET /operator/queues on the gateway (the raw BullMQ view: the operator token, not a merchant key). */
export async function opsQueues(sys: System): Promise<QueueHealthView[]> {
  const res = await sys.operator.get('/operator/queues');
  if (res.status !== 200) throw new Error(`GET /operator/queues -> ${res.status} ${JSON.stringify(res.data)}`);
  return (res.data as { queues: QueueHealthView[] }).queues;
}

export function tail(sys: System, name: string, lines = 40): string {
  return (sys.processes.get(name)?.output ?? []).join('').split('\n').slice(-lines).join('\n');
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// ------------------------------------------------------------------ push capture

export interface CapturedPush {
  headers: Record<string, string>;
  body: Buffer;
}

/** A local HTTP server standing in for our gateway: records each push and acknowledges it the platform's way. */
export async function startPushCapture(ackBody: (path: string) => unknown): Promise<{ url: string; pushes: CapturedPush[]; close(): Promise<void> }> {
  const pushes: CapturedPush[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pushes.push({ headers: keepHeaders(req.headers), body: Buffer.concat(chunks) });
      const text = JSON.stringify(ackBody(req.url ?? '/'));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    pushes,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function keepHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (['host', 'content-length', 'connection', 'transfer-encoding'].includes(k) || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
