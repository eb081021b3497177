/** Small helpers shared by the benchmarks (bench/orders.ts, bench/catalog.ts). */
import { readFileSync } from 'node:fs';
import type { System } from '../../scripts/system';
import type { RedisConfig } from '@app/contracts';
import { createRedisClient, deleteKeysMatching } from '@app/observability';
import { Client } from 'pg';

export const ADMIN_DB_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
export const round = (x: number, d = 0) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

export interface Latency { n: number; p50: number; p95: number; p99: number; max: number; mean: number }
export function latency(values: number[]): Latency {
  const s = Float64Array.from(values).sort();
  const pct = (p: number) => (s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
  const mean = s.length === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, p50: round(pct(50)), p95: round(pct(95)), p99: round(pct(99)), max: round(s.length ? s[s.length - 1] : Number.NaN), mean: round(mean) };
}

/** a non-negative number option (`--name v`) */
export function numArg(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got ${String(v)}`);
  return n;
}

/** a comma-separated list of non-negative numbers */
export function listArg(name: string, v: string | undefined): number[] {
  const out = (v ?? '').split(',').filter((s) => s !== '').map((s) => numArg(name, s));
  if (out.length === 0) throw new Error(`--${name} needs a comma-separated list of numbers`);
  return out;
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function deleteRedisKeys(redis: RedisConfig, prefix: string): Promise<number> {
  const client = createRedisClient(redis, { connectionName: 'omnisync-bench-cleanup', lazyConnect: true, maxRetriesPerRequest: 2 });
  await client.connect();
  try {
    // BullMQ keys (`<prefix>:{queue}:...`), the limiters' (`<prefix>-rl:...`) and the usage meter's (`{<prefix>-rl:use}:...`)
    let n = 0;
    for (const pattern of [`${prefix}:*`, `${prefix}-*`, `{${prefix}-*`]) n += await deleteKeysMatching(client, pattern);
    return n;
  } finally {
    client.disconnect();
  }
}

/** processors of this machine (printed with every result) */
export const cpuCount = (): number => readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;

/**
 * The one clean-up of a bench run, also on Ctrl-C / SIGTERM: close the bench's own DB client, stop the system,
 * drop the run's database (unless `keep`) and delete its Redis keys. `sys` and `db` are read when it runs.
 */
export function benchCleanup(o: { keep: boolean; dbName: string; prefix: string; sys: () => System | null; db: () => Client | null }): () => Promise<void> {
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      const db = o.db();
      const sys = o.sys();
      if (db) await db.end().catch(() => undefined);
      if (sys) await sys.stop().catch((e: unknown) => log(`stopping the system failed: ${String(e)}`));
      if (!o.keep) await dropDatabase(o.dbName).catch((e: unknown) => log(`dropping ${o.dbName} failed: ${String(e)}`));
      else log(`kept database ${o.dbName}`);
      const n = await deleteRedisKeys(sys?.options.redis ?? 'redis://127.0.0.1:6379', o.prefix).catch(() => -1);
      if (n < 0) log(`could not delete Redis keys ${o.prefix}*`);
    })());
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return cleanup;
}
