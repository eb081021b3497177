import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { appMetrics } from '@app/observability';
import { RETENTION_MODULE_OPTIONS, type RetentionModuleOptions } from './retention.options';
import { LeaderLoop } from '../shared/leader-lock';
import { queryRows } from '../shared/sql';
import { OUTAGES_FLOOR_DAYS, RETENTION_FLOORS_DAYS, type RetentionKind } from './retention-policy';

/**
 * One table the sweeper trims. A batch reads the next `batchRows` candidates in index order (`time`, id) past
 * the cursor of the previous batch: finished-looking rows older than the shortest retention any merchant has
 * (`scan`, served by the index named in `index`), then deletes those of them whose own merchant's retention has
 * passed and that are really finished (`finished`). So each statement reads at most batchRows index entries,
 * however many of the oldest rows a longer retention keeps, and a tick never holds one huge statement.
 */
interface SweptTable {
  table: string;
  /** the index the scan walks, for the docs and the plan check in the spec */
  index: string;
  time: string;
  /** predicate on the table (alias t) that the index's own WHERE implies ('true' for a plain index) */
  scan: string;
  /** extra columns the `finished` test reads (alias c) */
  cols: string;
  /** joins from c that give the row's merchant, and the merchant expression ('NULL::uuid' for none) */
  joins: string;
  merchant: string;
  /** the retention_settings column for the merchant's days, or null: the deployment's value only */
  kind: RetentionKind | null;
  /** `{cutoff}`: the instant before which this row's retention has passed */
  finished: string;
  /** re-tested on the row being deleted (a concurrent retry may have made it pending again) */
  guard: string;
}

const RESOLVED = (prefix: string, merchant: string) =>
  `EXISTS (SELECT 1 FROM order_sync.exception_resolutions x WHERE x.merchant_id = ${merchant} AND x.key = '${prefix}:' || c.id || ':' || c.attempts)`;

const COLUMN: Record<RetentionKind, string> = { inbox: 'inbox_days', outbox: 'outbox_days', slaEvents: 'sla_events_days', audit: 'audit_days' };

export const SWEPT_TABLES: readonly SweptTable[] = [
  {
    // processed / ignored push messages, and failed ones a person resolved; never pending, never failed-unresolved
    table: 'inbox',
    index: 'idx_inbox_done_received_at',
    time: 'received_at',
    scan: `t.status <> 'pending'`,
    cols: 't.status, t.processed_at, t.shop_id, t.attempts',
    joins: 'LEFT JOIN core.shops s ON s.id = c.shop_id',
    merchant: 's.merchant_id',
    kind: 'inbox',
    finished: `coalesce(c.processed_at, c.at) < {cutoff} AND (c.status IN ('processed', 'ignored') OR (c.status = 'failed' AND ${RESOLVED('push_unprocessable', 's.merchant_id')}))`,
    guard: `t.status <> 'pending'`,
  },
  {
    // delivered ERP deliveries, and failed ones a person resolved; never pending, never failed-unresolved
    table: 'outbox',
    index: 'idx_outbox_done_created_at',
    time: 'created_at',
    scan: `t.status <> 'pending'`,
    cols: 't.status, t.delivered_at, t.merchant_id, t.attempts',
    joins: '',
    merchant: 'c.merchant_id',
    kind: 'outbox',
    finished: `coalesce(c.delivered_at, c.at) < {cutoff} AND (c.status = 'delivered' OR (c.status = 'failed' AND ${RESOLVED('erp_rejected', 'c.merchant_id')}))`,
    guard: `t.status <> 'pending'`,
  },
  {
    // the ERP's answers to failed attempts (the order trace's history): with the outbox's days
    table: 'erp_attempts',
    index: 'idx_erp_attempts_at',
    time: 'at',
    scan: 'true',
    cols: 't.outbox_id',
    joins: 'LEFT JOIN order_sync.outbox b ON b.id = c.outbox_id',
    merchant: 'b.merchant_id',
    kind: 'outbox',
    finished: 'true',
    guard: 'true',
  },
  {
    // an unalerted event is re-sent for an hour at most (SlaLedger.resendUnalerted): past the floor every event is done
    table: 'sla_events',
    index: 'idx_sla_events_at',
    time: 'at',
    scan: 'true',
    cols: 't.merchant_id',
    joins: '',
    merchant: 'c.merchant_id',
    kind: 'slaEvents',
    finished: 'true',
    guard: 'true',
  },
  {
    table: 'order_transitions_rejected',
    index: 'idx_order_transitions_rejected_at',
    time: 'at',
    scan: 'true',
    cols: 't.order_id',
    joins: 'LEFT JOIN order_sync.orders o ON o.id = c.order_id LEFT JOIN core.shops s ON s.id = o.shop_id',
    merchant: 's.merchant_id',
    kind: 'audit',
    finished: 'true',
    guard: 'true',
  },
  {
    table: 'orders_refused',
    index: 'idx_orders_refused_at',
    time: 'at',
    scan: 'true',
    cols: 't.shop_id',
    joins: 'LEFT JOIN core.shops s ON s.id = c.shop_id',
    merchant: 's.merchant_id',
    kind: 'audit',
    finished: 'true',
    guard: 'true',
  },
  {
    // the deployment's own record (the SLA causes redis/postgres_unavailable): env retention only
    table: 'dependency_outages',
    index: 'idx_dependency_outages_ended_at',
    time: 'ended_at',
    scan: 'true',
    cols: '',
    joins: '',
    merchant: 'NULL::uuid',
    kind: null,
    finished: 'true',
    guard: 'true',
  },
];

/**
 * $1 the deployment's days, $2 the floor, $3 the shortest days of anyone (the scan's bound), $4 batch rows,
 * $5 / $6 the cursor (time as text, keeping microseconds; id), $7 seconds per day (86400; less only in soak runs).
 */
function batchSql(t: SweptTable): string {
  const days = t.kind ? `greatest(coalesce(r.${COLUMN[t.kind]}, $1::int), $2::int)` : 'greatest($1::int, $2::int)';
  const cutoff = `now() - make_interval(secs => ${days} * $7::float8)`;
  const settings = t.kind ? `LEFT JOIN order_sync.retention_settings r ON r.merchant_id = ${t.merchant}` : '';
  return `
    WITH c AS (
      SELECT t.id, t.${t.time} AS at${t.cols ? `, ${t.cols}` : ''} FROM order_sync.${t.table} t
       WHERE ${t.scan} AND t.${t.time} < now() - make_interval(secs => $3::int * $7::float8)
         AND (t.${t.time}, t.id) > ($5::timestamptz, $6::bigint)
       ORDER BY t.${t.time}, t.id LIMIT $4::int
    ), d AS (
      SELECT c.id FROM c ${t.joins} ${settings}
       WHERE c.at < ${cutoff} AND ${t.finished.replaceAll('{cutoff}', cutoff)}
    ), del AS (
      DELETE FROM order_sync.${t.table} t USING d WHERE t.id = d.id AND ${t.guard} RETURNING t.id
    ), last AS (
      SELECT c.at::text AS last_at, c.id::text AS last_id FROM c ORDER BY c.at DESC, c.id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FROM del)::int AS deleted, (SELECT count(*) FROM c)::int AS scanned,
           (SELECT last_at FROM last) AS last_at, (SELECT last_id FROM last) AS last_id`;
}

export type RetentionResult = Record<string, number>;

/** order-sync's tables whose rows are deleted or updated all day: vacuumed by the retention leader when autovacuum is off */
export const VACUUMED_TABLES = ['inbox', 'outbox', 'erp_attempts', 'sla_events', 'stock_events', 'coupon_events', 'orders', 'shipments'] as const;

/**
 * The retention sweeper (docs/adr/0013): order-sync's single leader loop `retention` (the same Postgres lease as
 * the sweeper, SLA watcher and poll scheduler) deletes finished rows past their merchant's retention in bounded
 * batches. Orders, shipments, shops and every unfinished row stay.
 */
@Injectable()
export class RetentionSweeperService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionSweeperService.name);
  private readonly loop: LeaderLoop;
  private readonly sql = new Map(SWEPT_TABLES.map((t) => [t.table, batchSql(t)]));
  private readonly metrics = appMetrics();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(RETENTION_MODULE_OPTIONS) private readonly opts: RetentionModuleOptions,
  ) {
    this.loop = new LeaderLoop(dataSource, 'retention', opts.retention.intervalMs, () => this.sweep(true), this.logger, opts.leaderLeaseTtlMs);
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops && this.opts.retention.enabled) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** one tick if this instance holds (or takes) the lease; null when another instance leads */
  async tickIfLeader(): Promise<RetentionResult | null> {
    if (!(await this.loop.lock.isLeading())) return null;
    return this.sweep();
  }

  /** rows deleted per table this tick. `asLeader`: stop between batches once the lease is lost. */
  async sweep(asLeader = false): Promise<RetentionResult> {
    const r = this.opts.retention;
    const shortest = await this.shortestDays();
    const out: RetentionResult = {};
    for (const t of SWEPT_TABLES) {
      const floor = t.kind ? RETENTION_FLOORS_DAYS[t.kind] : OUTAGES_FLOOR_DAYS;
      const deploymentDays = Math.max(t.kind ? r.days[t.kind] : r.days.outages, floor);
      const scanDays = t.kind ? Math.max(Math.min(shortest[t.kind] ?? deploymentDays, deploymentDays), floor) : deploymentDays;
      let cursor: [string, string] = ['-infinity', '0'];
      let deleted = 0;
      for (let batch = 0; batch < r.maxBatchesPerTick; batch++) {
        if (asLeader && !this.loop.lock.isLeader()) break;
        const [row] = await queryRows<{ deleted: number; scanned: number; last_at: string | null; last_id: string | null }>(
          this.dataSource,
          this.sql.get(t.table)!,
          [deploymentDays, floor, scanDays, r.batchRows, cursor[0], cursor[1], r.daySeconds],
        );
        deleted += row.deleted;
        if (row.scanned < r.batchRows || row.last_at === null || row.last_id === null) break;
        cursor = [row.last_at, row.last_id];
      }
      out[t.table] = deleted;
      if (deleted > 0) this.metrics.retentionRowsDeleted.inc({ table: t.table }, deleted);
    }
    const total = Object.values(out).reduce((a, b) => a + b, 0);
    if (total > 0) this.logger.log(`retention deleted ${total} rows (${Object.entries(out).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    await this.vacuumWhereAutovacuumIsOff(asLeader);
    return out;
  }

  private lastVacuumAt = 0;
  private warnedAutovacuumOff = false;

  /**
   * Deleting rows bounds a table's row count, not its bytes: the space of deleted (and updated) rows is reused only
   * once VACUUM has passed. Postgres' autovacuum does that; with it off (the benchmark machine's Postgres has it off
   * globally), the soak showed the inbox, outbox and stock-event tables holding their row counts while their bytes
   * grew without end. So for each churning table autovacuum does not cover (off globally, or `autovacuum_enabled =
   * false` on the table) this leader runs a plain VACUUM (no FULL: no exclusive lock; reads and writes go on) itself,
   * at most every vacuumIntervalMs, and says so once in the log.
   */
  private async vacuumWhereAutovacuumIsOff(asLeader: boolean): Promise<void> {
    const r = this.opts.retention;
    if (r.vacuumIntervalMs <= 0 || Date.now() - this.lastVacuumAt < r.vacuumIntervalMs) return;
    this.lastVacuumAt = Date.now();
    const uncovered = await queryRows<{ relname: string }>(
      this.dataSource,
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'order_sync' AND c.relname = ANY($1::text[])
          AND (current_setting('autovacuum') = 'off'
               OR coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_enabled'), 'true') = 'false')
        ORDER BY c.relname`,
      [[...VACUUMED_TABLES]],
    );
    if (uncovered.length === 0) return;
    if (!this.warnedAutovacuumOff) {
      this.warnedAutovacuumOff = true;
      this.logger.warn(`autovacuum does not cover ${uncovered.map((u) => u.relname).join(', ')}: the retention leader vacuums them itself every ${r.vacuumIntervalMs} ms (turn autovacuum on in production)`);
    }
    for (const { relname } of uncovered) {
      if (asLeader && !this.loop.lock.isLeader()) break;
      // VACUUM cannot run in a transaction block: one statement on a pool connection, autocommit; the name is
      // one of VACUUMED_TABLES (constants), never input
      await this.dataSource.query(`VACUUM (ANALYZE) order_sync.${relname}`);
      this.metrics.retentionVacuums.inc({ table: relname });
    }
  }

  /** per kind, the shortest days any merchant set (null: none set one) */
  private async shortestDays(): Promise<Partial<Record<RetentionKind, number>>> {
    const [row] = await queryRows<{ inbox: number | null; outbox: number | null; sla_events: number | null; audit: number | null }>(
      this.dataSource,
      `SELECT min(inbox_days) AS inbox, min(outbox_days) AS outbox, min(sla_events_days) AS sla_events, min(audit_days) AS audit
         FROM order_sync.retention_settings`,
      [],
    );
    const out: Partial<Record<RetentionKind, number>> = {};
    if (row?.inbox != null) out.inbox = row.inbox;
    if (row?.outbox != null) out.outbox = row.outbox;
    if (row?.sla_events != null) out.slaEvents = row.sla_events;
    if (row?.audit != null) out.audit = row.audit;
    return out;
  }
}
