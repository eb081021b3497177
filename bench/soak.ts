/**
 * `npm run bench:soak` — a steady order rate through the whole system (gateway, order-sync, catalog-sync, coupon,
 * the simulators, quotas on) for a quarter of an hour with retention on, sampling every table that grows with orders,
 * Redis memory and every process's RSS (issue 12 item 4: "a soak run shows the table sizes plateau").
 *
 *   npm run bench:soak                                     # 15 min at 40 orders/s, a retention day of 60 s
 *   npm run bench:soak -- --minutes 3 --day-seconds 10     # quick check
 *
 * A real retention day would take a week to reach the steady state, so the soak shortens it
 * (RETENTION_DAY_SECONDS, refused under NODE_ENV=production): with --day-seconds 60 the 7-day floors of the inbox,
 * the outbox and the SLA ledger are 7 minutes, and a 15-minute run spends its second half in the steady state.
 * Every retention is set to its floor. `order_sync.orders` is the system of record and is never trimmed: it grows
 * by design (said beside it). A series "plateaus" when it grew by less than 10 % over the run's last third.
 *
 * The last line printed is one JSON object; the samples go to bench/results/soak-<ISO timestamp>.json and
 * bench/results/soak-latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { Client } from 'pg';
import { createRedisClient } from '@app/observability';
import { ALL_SIM_PLATFORMS as SIM_PLATFORMS, startSystem, type System } from '../scripts/system';
import { ADMIN_DB_URL, benchCleanup, cpuCount, log, round, sleep } from './lib/common';
import { procStatus } from './lib/procs';

const RESULTS_DIR = join(__dirname, 'results');

/** the tables that grow with orders; `trimmed`: retention (or the relay's confirmation) keeps it bounded */
const TABLES: Array<{ name: string; trimmed: boolean; note?: string }> = [
  { name: 'order_sync.inbox', trimmed: true },
  { name: 'order_sync.outbox', trimmed: true },
  { name: 'order_sync.erp_attempts', trimmed: true },
  { name: 'order_sync.sla_events', trimmed: true },
  { name: 'order_sync.stock_events', trimmed: true, note: 'deleted once catalog-sync confirmed the job' },
  { name: 'order_sync.coupon_events', trimmed: true, note: 'deleted once coupon confirmed the job' },
  { name: 'order_sync.orders', trimmed: false, note: 'the system of record: kept' },
  { name: 'catalog_sync.stock_reservations', trimmed: false, note: 'one row per order line: kept with the order' },
];

interface Sample {
  atS: number;
  ordersAtErp: number;
  rows: Record<string, number>;
  mb: Record<string, number>;
  redisMb: number;
  rssMb: Record<string, number>;
}

async function main(): Promise<void> {
  const cli = new Command('bench:soak')
    .option('--minutes <n>', 'length of the run', (v) => positive('minutes', v), 15)
    .option('--rate <n>', 'orders per second over all platforms', (v) => positive('rate', v), 40)
    .option('--day-seconds <n>', 'seconds in a retention day (RETENTION_DAY_SECONDS)', (v) => positive('day-seconds', v), 60)
    .option('--sample-seconds <n>', 'seconds between samples', (v) => positive('sample-seconds', v), 30)
    .option('--keep', 'keep the database and Redis keys afterwards', false)
    .parse(process.argv);
  const args = cli.opts<{ minutes: number; rate: number; daySeconds: number; sampleSeconds: number; keep: boolean }>();

  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').toLowerCase();
  const dbName = `omnisync_soak_${stamp}_${randomBytes(2).toString('hex')}`;
  const prefix = `soak-${stamp}-${randomBytes(2).toString('hex')}`;
  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${dbName}`;
  const retentionEnv = {
    RETENTION_DAY_SECONDS: String(args.daySeconds),
    RETENTION_INTERVAL_MS: String(Math.max(1000, Math.round((args.daySeconds * 1000) / 6))),
    RETENTION_INBOX_DAYS: '7',
    RETENTION_OUTBOX_DAYS: '7',
    RETENTION_SLA_EVENTS_DAYS: '7',
    RETENTION_AUDIT_DAYS: '2',
    RETENTION_OUTAGES_DAYS: '7',
    // where autovacuum is off (this machine's Postgres), the retention leader's own VACUUM once a retention day
    RETENTION_VACUUM_INTERVAL_MS: String(Math.max(10_000, Math.round(args.daySeconds * 1000))),
  };
  let sys: System | null = null;
  let db: Client | null = null;
  const cleanup = benchCleanup({ keep: args.keep, dbName, prefix, sys: () => sys, db: () => db });
  const samples: Sample[] = [];
  try {
    log(`starting the whole system (database ${dbName}, prefix ${prefix}); ${args.rate} orders/s for ${args.minutes} min, a retention day of ${args.daySeconds} s`);
    sys = await startSystem({
      databaseUrl: dbUrl.toString(),
      prefix,
      apps: ['gateway', 'order-sync', 'catalog-sync', 'coupon'],
      platforms: SIM_PLATFORMS,
      env: { LOG_LEVEL: 'warn' },
      appEnv: { 'order-sync': retentionEnv },
      log: (l) => log(l),
    });
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const redis = createRedisClient(sys.options.redis, { connectionName: 'omnisync-soak', lazyConnect: true });
    await redis.connect();

    const perPlatform = args.rate / sys.platforms.length;
    await Promise.all(sys.platforms.map((p) => sys!.sandboxAdmin(p, 'POST', 'generator/start', { ratePerSec: perPlatform })));
    const t0 = Date.now();
    const endAt = t0 + args.minutes * 60_000;
    for (;;) {
      samples.push(await sample(sys, db, redis, t0));
      const s = samples[samples.length - 1];
      log(`t=${s.atS}s erp=${s.ordersAtErp} ${TABLES.map((t) => `${t.name.split('.')[1]}=${s.rows[t.name]}`).join(' ')} redis=${s.redisMb}MB rss=${Object.values(s.rssMb).join('/')}`);
      if (Date.now() >= endAt) break;
      await sleep(Math.min(args.sampleSeconds * 1000, Math.max(0, endAt - Date.now())));
    }
    await Promise.all(sys.platforms.map((p) => sys!.sandboxAdmin(p, 'POST', 'generator/stop')));
    redis.disconnect();

    const verdicts = plateau(samples);
    const last = samples[samples.length - 1];
    process.stdout.write(`\n${report(samples, verdicts, args)}\n`);
    const result = {
      bench: 'soak',
      startedAt: startedAt.toISOString(),
      settings: { ...args, retentionEnv, platforms: sys.platforms, cpus: cpuCount(), node: process.version },
      samples,
      verdicts,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const body = JSON.stringify(result, null, 2);
    writeFileSync(join(RESULTS_DIR, `soak-${startedAt.toISOString().replace(/:/g, '-')}.json`), body);
    writeFileSync(join(RESULTS_DIR, 'soak-latest.json'), body);
    const summary = {
      minutes: args.minutes,
      rate: args.rate,
      daySeconds: args.daySeconds,
      ordersAtErp: last.ordersAtErp,
      plateaued: Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.plateau])),
      finalRows: last.rows,
      finalRssMb: last.rssMb,
      redisMb: last.redisMb,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await cleanup();
  }
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${v}`);
  return n;
}

async function sample(sys: System, db: Client, redis: ReturnType<typeof createRedisClient>, t0: number): Promise<Sample> {
  const rows: Record<string, number> = {};
  const mb: Record<string, number> = {};
  for (const t of TABLES) {
    const [r] = (await db.query(`SELECT count(*)::int AS n, pg_total_relation_size($1::regclass) AS bytes FROM ${t.name}`, [t.name])).rows as Array<{ n: number; bytes: string }>;
    rows[t.name] = r.n;
    mb[t.name] = round(Number(r.bytes) / 1048576, 1);
  }
  const erp = await sys.sandboxAdmin<{ ordersCreated: number }>('erp', 'GET', 'stats').catch(() => null);
  const info = await redis.info('memory');
  const used = /used_memory:(\d+)/.exec(info);
  const rssMb: Record<string, number> = {};
  for (const p of sys.processes.values()) if (p.child.pid) rssMb[p.name] = procStatus(p.child.pid, 'VmRSS');
  return {
    atS: Math.round((Date.now() - t0) / 1000),
    ordersAtErp: Number(erp?.ordersCreated ?? 0),
    rows,
    mb,
    redisMb: used ? round(Number(used[1]) / 1048576, 1) : 0,
    rssMb,
  };
}

/** per series: growth over the last third of the run, as a share of its value at the start of that third */
function plateau(samples: Sample[]): Record<string, { from: number; to: number; growthPct: number; plateau: boolean }> {
  const out: Record<string, { from: number; to: number; growthPct: number; plateau: boolean }> = {};
  if (samples.length < 3) return out;
  const a = samples[Math.floor(((samples.length - 1) * 2) / 3)];
  const b = samples[samples.length - 1];
  const judge = (name: string, from: number, to: number) => {
    const growthPct = from === 0 ? (to === 0 ? 0 : 100) : round((100 * (to - from)) / from, 1);
    out[name] = { from, to, growthPct, plateau: growthPct < 10 };
  };
  for (const t of TABLES) judge(`rows ${t.name}`, a.rows[t.name], b.rows[t.name]);
  // bytes too: deleted rows free space only once (auto)vacuum has passed, so a table can hold its row count and still grow
  for (const t of TABLES.filter((x) => x.trimmed)) judge(`MB ${t.name}`, a.mb[t.name], b.mb[t.name]);
  judge('redis MB', a.redisMb, b.redisMb);
  for (const k of Object.keys(b.rssMb)) judge(`RSS MB ${k}`, a.rssMb[k] ?? 0, b.rssMb[k]);
  return out;
}

function report(samples: Sample[], verdicts: ReturnType<typeof plateau>, args: { minutes: number; rate: number; daySeconds: number }): string {
  const lines = [`soak: ${args.rate} orders/s for ${args.minutes} min, a retention day of ${args.daySeconds} s (7-day floors: ${round((7 * args.daySeconds) / 60, 1)} min)`];
  const head = ['t (s)', 'at ERP', ...TABLES.map((t) => t.name.replace('order_sync.', '').replace('catalog_sync.', '')), 'redis MB', ...Object.keys(samples[0]?.rssMb ?? {}).map((k) => `${k} RSS`)];
  lines.push(head.join(' | '));
  for (const s of samples) lines.push([s.atS, s.ordersAtErp, ...TABLES.map((t) => `${s.rows[t.name]} (${s.mb[t.name]} MB)`), s.redisMb, ...Object.values(s.rssMb)].join(' | '));
  lines.push('', 'over the last third of the run:');
  for (const [k, v] of Object.entries(verdicts)) {
    const t = TABLES.find((x) => k === `rows ${x.name}` || k === `MB ${x.name}`);
    lines.push(`  ${k}: ${v.from} -> ${v.to} (${v.growthPct >= 0 ? '+' : ''}${v.growthPct} %) ${v.plateau ? 'plateau' : 'growing'}${t?.note ? ` — ${t.note}` : ''}`);
  }
  return lines.join('\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
