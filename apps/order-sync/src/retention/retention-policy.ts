/**
 * Retention of the tables that only grow (docs/adr/0013). Days per kind of row; a merchant may keep longer or
 * shorter than the deployment's default, never below the floor.
 */
export const RETENTION_KINDS = ['inbox', 'outbox', 'slaEvents', 'audit'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/**
 * The least a merchant (or the deployment's env) may set, in days.
 * - inbox: the push message ids the inbox deduplicates redeliveries by. Douyin and Kuaishou retry an unacknowledged
 *   push for hours; Taobao TMC keeps an unconfirmed message on its side and hands it out again for days (its
 *   message store keeps messages for up to 3 days). A message id deleted while the platform may still redeliver it
 *   would be taken as new: 7 days is the longest of those windows with more than a factor of two of margin. Pending
 *   and failed-unresolved rows are never deleted, whatever their age.
 * - outbox: delivered rows back the order trace (/orders/:id/trace) and the ops views of recent deliveries; a week
 *   covers an incident's investigation. Pending and failed-unresolved rows are never deleted.
 * - slaEvents: GET /ops/sla reports over windows up to a week.
 * - audit: refused transitions and refused platform answers are shown in the exception inbox for 24 hours
 *   (exceptions.repository INFO_WINDOW_HOURS); two days keeps them past that.
 * The migration 1796350000000-CreateRetentionSettings checks the same floors.
 */
export const RETENTION_FLOORS_DAYS: Readonly<Record<RetentionKind, number>> = { inbox: 7, outbox: 7, slaEvents: 7, audit: 2 };
/** dependency outages are the deployment's, not a merchant's: env only, at least this */
export const OUTAGES_FLOOR_DAYS = 7;
export const RETENTION_MAX_DAYS = 3650;

/** the deployment's defaults when the env sets none (order-sync env class RETENTION_*_DAYS) */
export const DEFAULT_RETENTION_DAYS: Readonly<Record<RetentionKind | 'outages', number>> = {
  inbox: 14,
  outbox: 30,
  slaEvents: 90,
  audit: 30,
  outages: 90,
};

export interface RetentionOptions {
  /** run the retention loop (order-sync's leader only) */
  enabled: boolean;
  intervalMs: number;
  /** rows per DELETE statement */
  batchRows: number;
  /** DELETE statements per table and tick at most: a backlog is worked off over several ticks */
  maxBatchesPerTick: number;
  /** deployment defaults, each at least its floor */
  days: Record<RetentionKind | 'outages', number>;
  /** seconds in a retention day: 86400 (RETENTION_DAY_SECONDS; shorter only for soak runs) */
  daySeconds: number;
  /** with Postgres' autovacuum off, the leader vacuums the churning tables at most this often (0: never) */
  vacuumIntervalMs: number;
}

export const DEFAULT_RETENTION_OPTIONS: RetentionOptions = {
  enabled: true,
  intervalMs: 60_000,
  batchRows: 1000,
  maxBatchesPerTick: 20,
  days: { ...DEFAULT_RETENTION_DAYS },
  daySeconds: 86_400,
  vacuumIntervalMs: 300_000,
};

/** a merchant's stored settings: null takes the deployment's default */
export type MerchantRetention = Record<RetentionKind, number | null>;

/** the days that apply: the merchant's value or the default, never below the floor */
export function effectiveDays(kind: RetentionKind, merchant: number | null | undefined, deploymentDefault: number): number {
  return Math.max(merchant ?? deploymentDefault, RETENTION_FLOORS_DAYS[kind]);
}
