import { BaseEnv, IntEnv, ToBoolean } from '@app/config';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { TMC_CHANNELS, type TmcChannel } from '../order-sync.options';
import { DEFAULT_RETENTION_DAYS, OUTAGES_FLOOR_DAYS, RETENTION_FLOORS_DAYS, RETENTION_MAX_DAYS } from '../retention/retention-policy';

export const ERP_CONNECTORS = ['generic-http', 'jushuitan'] as const;

/** order-sync: order ingest, ERP push, SLA watch, polling, shipments. Defaults documented in .env.example. */
export class OrderSyncEnv extends BaseEnv {
  override PORT = 3001;
  override METRICS_PORT = 9401;

  @IntEnv(1) ORDER_EVENTS_CONCURRENCY: number = 256;
  @IntEnv(1) ORDER_INGEST_BATCH_SIZE: number = 200;
  @IntEnv(0) ORDER_INGEST_BATCH_WAIT_MS: number = 5;
  /**
   * push jobs in flight per process. A job waits for the ERP call carrying its rows, and a call carries a few
   * jobs' rows: a slow ERP needs many calls at once (up to ERP_MAX_IN_FLIGHT per merchant), so many jobs at once.
   * A waiting job costs a promise, not a thread.
   */
  @IntEnv(1) ERP_PUSH_CONCURRENCY: number = 256;
  @IntEnv(1) ERP_INTERCEPT_CONCURRENCY: number = 4;
  @IntEnv(1) SHIPMENTS_CONCURRENCY: number = 4;
  @IntEnv(1) ORDER_POLL_CONCURRENCY: number = 8;

  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  ORDER_POLL_ENABLED: boolean = true;

  /** platform order times more than this in the future are refused (a far-future version would freeze an order) */
  @IntEnv(0) ORDER_MAX_FUTURE_SKEW_MS: number = 300_000;
  /** each shop's incremental list call; a lost push costs about this much (the SLA is 30 s) */
  @IntEnv(1000) ORDER_POLL_INTERVAL_MS: number = 5000;
  /** the cadence while polls find orders no push announced, until ORDER_POLL_FAST_HOLD_MS after the last one */
  @IntEnv(500) ORDER_POLL_FAST_INTERVAL_MS: number = 2000;
  @IntEnv(0) ORDER_POLL_FAST_HOLD_MS: number = 30_000;
  /** each poll re-reads this much before its cursor; once every ORDER_POLL_DEEP_EVERY_MS, ORDER_POLL_DEEP_OVERLAP_MS */
  @IntEnv(0) ORDER_POLL_OVERLAP_MS: number = 3000;
  @IntEnv(0) ORDER_POLL_DEEP_OVERLAP_MS: number = 120_000;
  @IntEnv(1000) ORDER_POLL_DEEP_EVERY_MS: number = 300_000;
  /** how often the poll scheduler looks for shops added, removed or re-activated (new shops start polling within this) */
  @IntEnv(200) ORDER_POLL_SHOP_CHECK_MS: number = 2000;
  /** how often every shop's poll scheduler is rewritten regardless */
  @IntEnv(1000) ORDER_POLL_SCHEDULER_REFRESH_MS: number = 60_000;
  /** lease of the singleton loops (SLA watcher, sweepers, poll scheduler, retention): a dead leader is replaced within ~4/3 of it */
  @IntEnv(1000) LEADER_LEASE_TTL_MS: number = 6000;
  @IntEnv(1) SLA_WARN_MS: number = 20_000;
  @IntEnv(1) SLA_BREACH_MS: number = 30_000;
  @IntEnv(100) SLA_CHECK_INTERVAL_MS: number = 1000;
  @IntEnv(100) SWEEP_INTERVAL_MS: number = 5000;
  @IntEnv(1000) SWEEP_STALE_AFTER_MS: number = 15_000;

  /**
   * Retention (docs/adr/0013): finished rows older than these many days are deleted in batches by the leader's
   * retention loop; a merchant's own order_sync.retention_settings row overrides the first four. The lower bounds
   * are the floors (retention/retention-policy.ts): message ids stay at least 7 days, the longest platform
   * redelivery window (Taobao TMC) with margin.
   */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  RETENTION_ENABLED: boolean = true;
  @IntEnv(1000) RETENTION_INTERVAL_MS: number = 60_000;
  /** rows per DELETE statement, and DELETE statements per table and tick at most */
  @IntEnv(10, 50_000) RETENTION_BATCH_ROWS: number = 1000;
  @IntEnv(1) RETENTION_MAX_BATCHES_PER_TICK: number = 20;
  @IntEnv(RETENTION_FLOORS_DAYS.inbox, RETENTION_MAX_DAYS) RETENTION_INBOX_DAYS: number = DEFAULT_RETENTION_DAYS.inbox;
  @IntEnv(RETENTION_FLOORS_DAYS.outbox, RETENTION_MAX_DAYS) RETENTION_OUTBOX_DAYS: number = DEFAULT_RETENTION_DAYS.outbox;
  @IntEnv(RETENTION_FLOORS_DAYS.slaEvents, RETENTION_MAX_DAYS) RETENTION_SLA_EVENTS_DAYS: number = DEFAULT_RETENTION_DAYS.slaEvents;
  @IntEnv(RETENTION_FLOORS_DAYS.audit, RETENTION_MAX_DAYS) RETENTION_AUDIT_DAYS: number = DEFAULT_RETENTION_DAYS.audit;
  @IntEnv(OUTAGES_FLOOR_DAYS, RETENTION_MAX_DAYS) RETENTION_OUTAGES_DAYS: number = DEFAULT_RETENTION_DAYS.outages;
  /**
   * How long a retention "day" lasts, in seconds: 86400. A soak run (bench/soak.ts) shortens it so that retention
   * reaches its steady state within minutes; it shortens every window, the floors included, so it is refused at
   * start-up with NODE_ENV=production (app.module).
   */
  @IntEnv(1, 86_400) RETENTION_DAY_SECONDS: number = 86_400;
  /**
   * With Postgres' autovacuum off, the retention leader runs a plain VACUUM of order-sync's churning tables at most
   * this often (deleted rows free no space until a VACUUM); 0 never. Ignored while autovacuum is on.
   */
  @IntEnv(0) RETENTION_VACUUM_INTERVAL_MS: number = 300_000;

  /** where SLA warnings and breaches are POSTed (optional) */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  ALERT_WEBHOOK_URL?: string;

  /** consume Taobao messages through TMC (taobao.tmc.messages.consume / confirm) */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  TMC_ENABLED: boolean = true;

  /** the TMC group consumed from and confirmed in (TOP confirms only the named group's messages) */
  @IsString({ message: 'must be a string' })
  TMC_GROUP_NAME: string = 'default';

  /**
   * how TMC messages arrive: `socket` (default) = pushed over the TMC WebSocket (ws://mc.api.taobao.com/ for the
   * production router, the base URL's origin for the simulator), with taobao.tmc.messages.consume as the fallback
   * while the socket is down; `http` = polling taobao.tmc.messages.consume only (the former behaviour)
   */
  @IsIn(TMC_CHANNELS, { message: `must be one of ${TMC_CHANNELS.join(', ')}` })
  TAOBAO_TMC_CHANNEL: TmcChannel = 'socket';

  @IsIn(ERP_CONNECTORS, { message: `must be one of ${ERP_CONNECTORS.join(', ')}` })
  ERP_CONNECTOR: (typeof ERP_CONNECTORS)[number] = 'generic-http';

  /** the ERP's base URL (default: the ERP simulator of `npm run sandbox`) */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  ERP_BASE_URL: string = 'http://127.0.0.1:4104';

  /**
   * an ERP call's time limit while the ERP answers fast; a slower ERP gets twice its recent latency, up to
   * ERP_TIMEOUT_MAX_MS. 15 s: long enough that an ERP turning slow (12 s) keeps its first answers, short
   * enough that one that stops answering opens its breaker within 20 s.
   */
  @IntEnv(100) ERP_TIMEOUT_MS: number = 15_000;
  /** the longest limit a call to a slow ERP gets (raised to ERP_TIMEOUT_MS when below it) */
  @IntEnv(100) ERP_TIMEOUT_MAX_MS: number = 25_000;
  /** ERP calls in flight per merchant ERP and process at most (the adaptive limit moves between 1 and this) */
  @IntEnv(1, 256) ERP_MAX_IN_FLIGHT: number = 32;
  @IntEnv(1, 50) ERP_MAX_BATCH: number = 50;
  /** largest ERP response accepted (bytes); a bigger one fails the call */
  @IntEnv(1024) ERP_MAX_RESPONSE_BYTES: number = 4 * 1024 * 1024;

  /** generic-http connector: shared HMAC secret */
  @ValidateIf((e: OrderSyncEnv) => e.ERP_CONNECTOR === 'generic-http')
  @IsString({ message: 'is required when ERP_CONNECTOR=generic-http' })
  ERP_SECRET?: string;

  @ValidateIf((e: OrderSyncEnv) => e.ERP_CONNECTOR === 'jushuitan')
  @IsString({ message: 'is required when ERP_CONNECTOR=jushuitan' })
  JST_APP_KEY?: string;

  @ValidateIf((e: OrderSyncEnv) => e.ERP_CONNECTOR === 'jushuitan')
  @IsString({ message: 'is required when ERP_CONNECTOR=jushuitan' })
  JST_APP_SECRET?: string;

  @ValidateIf((e: OrderSyncEnv) => e.ERP_CONNECTOR === 'jushuitan')
  @IsString({ message: 'is required when ERP_CONNECTOR=jushuitan' })
  JST_ACCESS_TOKEN?: string;

  /** run the interval loops (SLA check, sweeper, poll scheduler, TMC); off only in tests that drive them */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  ORDER_SYNC_BACKGROUND_LOOPS: boolean = true;
}
