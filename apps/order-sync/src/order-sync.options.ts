import { DEFAULT_RETENTION_OPTIONS, type RetentionOptions } from './retention/retention-policy';
import { DEFAULT_LEASE_TTL_MS } from './shared/leader-lock';

/** How Taobao TMC messages arrive (TAOBAO_TMC_CHANNEL). */
export const TMC_CHANNELS = ['socket', 'http'] as const;
export type TmcChannel = (typeof TMC_CHANNELS)[number];

/** Tunables of the order path. The app's config layer builds this from validated env (see OrderSyncFeatureModule). */
export interface OrderSyncOptions {
  /** inbox ids normalised together (one upsert statement per group) */
  ingestBatchSize: number;
  ingestBatchWaitMs: number;
  /** order-events jobs in flight per worker; the batcher groups them */
  ingestConcurrency: number;
  /** from this many orders of one shop in a group, use the list API over the messages' window */
  coalesceMinOrders: number;
  coalesceMaxPages: number;
  /** detail calls in flight per shop when the platform's list has no line items (Xiaohongshu) */
  detailConcurrency: number;
  /** what one platform QPS budget covers (PLATFORM_QPS_SCOPE): each API of a shop, or the whole shop; for ops' quota figures */
  platformQpsScope: 'api' | 'shop';
  /** how long a claimed outbox row is reserved for the worker that claimed it */
  erpLeaseSec: number;
  erpPushConcurrency: number;
  /** outbox rows per push job (each job claims up to the connector's batch size of due rows) */
  erpPushChunk: number;
  erpInterceptConcurrency: number;
  /** how often the SLA watcher looks for orders waiting past the marks (each level is alerted within this of happening) */
  slaCheckIntervalMs: number;
  slaWarningMs: number;
  slaBreachMs: number;
  /** how often each process probes Redis and Postgres (DependencyOutages: the SLA causes redis/postgres_unavailable) */
  healthProbeIntervalMs: number;
  /** optional: where SLA alerts are POSTed */
  alertWebhookUrl: string | null;
  alertTimeoutMs: number;
  sweepIntervalMs: number;
  /** inbox/outbox rows pending (and due) longer than this are re-enqueued */
  sweepStaleAfterMs: number;
  sweepBatch: number;
  /** inbox rows re-enqueued this often are marked failed */
  sweepMaxReenqueues: number;
  /**
   * each active shop is polled this often (0: polling off); a lost push then costs at most about this much
   * plus one list call (the SLA is 30 s)
   */
  pollIntervalMs: number;
  /** while the list shows orders no push told us about (pushes lost), the shop is polled this often ... */
  pollFastIntervalMs: number;
  /** ... until this long after the last such order */
  pollFastHoldMs: number;
  /** each poll re-reads this much before its cursor (update-time rounding, a platform's late indexing, clock skew) */
  pollOverlapMs: number;
  /** and once every pollDeepEveryMs it re-reads this much instead (orders indexed later than pollOverlapMs) */
  pollDeepOverlapMs: number;
  pollDeepEveryMs: number;
  pollInitialLookbackMs: number;
  pollMaxPagesPerRun: number;
  /** poll-shop jobs in flight per worker */
  pollConcurrency: number;
  /** the poll scheduler compares the active shops (one cheap query) and its job schedulers this often ... */
  pollShopCheckMs: number;
  /** ... and rewrites every shop's scheduler this often regardless */
  pollSchedulerRefreshMs: number;
  /** the singleton loops' lease (shared/leader-lock.ts): a dead leader is replaced within this plus a third of it */
  leaderLeaseTtlMs: number;
  tmcEnabled: boolean;
  tmcGroupName: string;
  tmcQuantity: number;
  tmcIdleMs: number;
  /** TAOBAO_TMC_CHANNEL: 'socket' = the TMC WebSocket, HTTP consume while it is down; 'http' = HTTP consume only */
  tmcChannel: TmcChannel;
  /** platform order times (updated / paid / created) later than now + this are refused, not applied */
  maxFutureSkewMs: number;
  /** the stock-event relay (stock-events/, docs/adr/0014): every instance relays this often besides after each commit ... */
  stockEventsRelayIntervalMs: number;
  /** ... claiming this many events per transaction; drains start at least this far apart (a burst's commits share a claim) */
  stockEventsBatch: number;
  stockEventsRelayCoalesceMs: number;
  /** its repair (one leader) checks jobs relayed longer ago than stockEventsRepairStaleMs this often, this many jobs a tick */
  stockEventsRepairIntervalMs: number;
  stockEventsRepairStaleMs: number;
  stockEventsRepairBatch: number;
  /** a job lost or failed this many times is left for ops (its events stay unconfirmed) */
  stockEventsMaxRelays: number;
  /** the retention sweeper (retention/, docs/adr/0013): deployment defaults, batch bounds */
  retention: RetentionOptions;
  /** start the interval loops (SLA check, sweeper, poll scheduler, TMC) on bootstrap; tests drive them by hand */
  backgroundLoops: boolean;
}

export const DEFAULT_ORDER_SYNC_OPTIONS: OrderSyncOptions = {
  ingestBatchSize: 200,
  ingestBatchWaitMs: 5,
  maxFutureSkewMs: 300_000,
  ingestConcurrency: 64,
  coalesceMinOrders: 3,
  coalesceMaxPages: 5,
  detailConcurrency: 16,
  platformQpsScope: 'api',
  erpLeaseSec: 15,
  erpPushConcurrency: 4,
  erpPushChunk: 25,
  erpInterceptConcurrency: 4,
  slaCheckIntervalMs: 1000,
  slaWarningMs: 20_000,
  slaBreachMs: 30_000,
  healthProbeIntervalMs: 500,
  alertWebhookUrl: null,
  alertTimeoutMs: 2000,
  sweepIntervalMs: 5000,
  sweepStaleAfterMs: 15_000,
  sweepBatch: 500,
  sweepMaxReenqueues: 50,
  pollIntervalMs: 5000,
  pollFastIntervalMs: 2000,
  pollFastHoldMs: 30_000,
  pollOverlapMs: 3000,
  pollDeepOverlapMs: 120_000,
  pollDeepEveryMs: 300_000,
  pollInitialLookbackMs: 3_600_000,
  pollMaxPagesPerRun: 20,
  pollConcurrency: 8,
  pollShopCheckMs: 2000,
  pollSchedulerRefreshMs: 60_000,
  leaderLeaseTtlMs: DEFAULT_LEASE_TTL_MS,
  tmcEnabled: false,
  tmcGroupName: 'default',
  tmcQuantity: 100,
  tmcIdleMs: 200,
  tmcChannel: 'socket',
  stockEventsRelayIntervalMs: 1000,
  stockEventsBatch: 500,
  stockEventsRelayCoalesceMs: 50,
  stockEventsRepairIntervalMs: 5000,
  stockEventsRepairStaleMs: 10_000,
  stockEventsRepairBatch: 2000,
  stockEventsMaxRelays: 10,
  retention: DEFAULT_RETENTION_OPTIONS,
  backgroundLoops: true,
};

export const ORDER_SYNC_OPTIONS = Symbol('ORDER_SYNC_OPTIONS');

/**
 * One module's share of OrderSyncOptions: its keys copied out of the assembled options (each module's
 * `*.options.ts` names its keys and token; OrderSyncCoreModule provides every slice from ORDER_SYNC_OPTIONS).
 */
export function pickOptions<K extends keyof OrderSyncOptions>(options: OrderSyncOptions, keys: readonly K[]): Pick<OrderSyncOptions, K> {
  const slice = {} as Pick<OrderSyncOptions, K>;
  for (const k of keys) slice[k] = options[k];
  return slice;
}
