import { Counter, Gauge, Histogram } from 'prom-client';
import { addScrapeSource, getOrCreateMetric, metricsRegistry, runScrapeSources } from './registry';

/**
 * The metrics catalogue: every metric omnisync exports, defined here and nowhere else (test/monitoring's
 * catalogue spec fails on a `new Counter|Gauge|Histogram|Summary` or a prom-client import outside this
 * folder). Names follow Prometheus naming: `omnisync_` prefix, base units (`_seconds`), `_total` counters,
 * histograms for latencies. Labels are bounded: platform, upstream, API method, queue, job, outcome, cause,
 * route template, and `merchant` (the merchant's id — tens per deployment) on the per-merchant order, SLA and
 * publish counters; never a shop, order, buyer or request id. docs/ARCHITECTURE.md "Metrics" is the table.
 */

type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition<L extends string = string> {
  name: string;
  type: MetricType;
  help: string;
  labelNames: readonly L[];
  /** which apps export it (docs, dashboard checks) */
  apps: readonly ('gateway' | 'order-sync' | 'catalog-sync' | 'coupon')[];
  buckets?: number[];
  /** its values are set when Prometheus scrapes, by the sources registered under its name (addScrapeSource) */
  scrapeTime?: boolean;
}

const ALL = ['gateway', 'order-sync', 'catalog-sync', 'coupon'] as const;
const WORKERS = ['order-sync', 'catalog-sync'] as const;
const PLATFORM_CALLERS = ['gateway', 'order-sync', 'catalog-sync'] as const;

/** latency buckets of one call or request: 5 ms .. 30 s */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30];

function def<L extends string, T extends MetricType>(d: MetricDefinition<L> & { type: T }): MetricDefinition<L> & { type: T } {
  return d;
}

export const METRIC_DEFINITIONS = {
  jobsProcessed: def({
    name: 'omnisync_jobs_processed_total',
    type: 'counter',
    help: 'Jobs finished by a worker, by queue, job name and outcome (completed | failed | retried)',
    labelNames: ['queue', 'job', 'outcome'],
    apps: WORKERS,
  }),
  jobDuration: def({
    name: 'omnisync_job_duration_seconds',
    type: 'histogram',
    help: 'Time from a worker taking a job to finishing it',
    labelNames: ['queue', 'job', 'outcome'],
    apps: WORKERS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  }),
  queueDepth: def({
    name: 'omnisync_queue_depth',
    type: 'gauge',
    help: 'Jobs in a queue by state (waiting, active, delayed, failed), read from Redis at scrape time; exported by one process of the deployment only (the queue-metrics lease holder, docs/adr/0007), so sum() counts each job once',
    labelNames: ['queue', 'state'],
    apps: ALL,
    scrapeTime: true,
  }),
  queueOldestWaiting: def({
    name: 'omnisync_queue_oldest_waiting_seconds',
    type: 'gauge',
    help: 'Seconds since the oldest waiting job of a queue became ready (0 when nothing waits), read from Redis at scrape time by the queue-metrics lease holder only; KEDA scales the workers on it',
    labelNames: ['queue'],
    apps: ALL,
    scrapeTime: true,
  }),
  upstreamRequests: def({
    name: 'omnisync_upstream_requests_total',
    type: 'counter',
    help: 'Calls to an upstream (a platform, the ERP) by API method and outcome (ok, or the UpstreamError kind: retryable, rate_limited, circuit_open, auth_expired, auth_revoked, invalid_request, not_found; error for anything else)',
    labelNames: ['upstream', 'method', 'outcome'],
    apps: PLATFORM_CALLERS,
  }),
  upstreamRequestDuration: def({
    name: 'omnisync_upstream_request_duration_seconds',
    type: 'histogram',
    help: 'Time of one upstream call (inside the breaker: an open breaker answers in microseconds), by upstream, API method and outcome',
    labelNames: ['upstream', 'method', 'outcome'],
    apps: PLATFORM_CALLERS,
    buckets: CALL_BUCKETS,
  }),
  circuitBreakersOpen: def({
    name: 'omnisync_circuit_breakers_open',
    type: 'gauge',
    help: 'Open circuit breakers of an upstream in this process (platforms have one per shop; the ERP one per merchant lane), read at scrape time',
    labelNames: ['upstream'],
    apps: PLATFORM_CALLERS,
    scrapeTime: true,
  }),
  upstreamCallsInFlight: def({
    name: 'omnisync_upstream_calls_in_flight',
    type: 'gauge',
    help: 'Calls to an upstream under way in this process (the ERP: summed over merchant lanes)',
    labelNames: ['upstream'],
    apps: ['order-sync'],
    scrapeTime: true,
  }),
  upstreamConcurrencyLimit: def({
    name: 'omnisync_upstream_concurrency_limit',
    type: 'gauge',
    help: 'Adaptive limit of calls in flight to an upstream in this process (the ERP: summed over merchant lanes)',
    labelNames: ['upstream'],
    apps: ['order-sync'],
    scrapeTime: true,
  }),
  rateLimitWaits: def({
    name: 'omnisync_rate_limit_waits_total',
    type: 'counter',
    help: "Platform calls our per-shop QPS limiter held back: waited (for its slot, then sent) or refused (retried later; the quota is the ceiling)",
    labelNames: ['upstream', 'outcome'],
    apps: PLATFORM_CALLERS,
  }),
  rateLimitWaitSeconds: def({
    name: 'omnisync_rate_limit_wait_seconds_total',
    type: 'counter',
    help: 'Seconds platform calls waited for their slot in our per-shop QPS limiter',
    labelNames: ['upstream'],
    apps: PLATFORM_CALLERS,
  }),
  platformQuotaNeeded: def({
    name: 'omnisync_platform_quota_needed_ratio',
    type: 'gauge',
    help: 'Platform calls per second the current order rate needs / the per-shop quota, for the shop that needs the most (above 1: the quota is the ceiling)',
    labelNames: ['platform', 'api'],
    apps: ['order-sync'],
    scrapeTime: true,
  }),
  httpRequestDuration: def({
    name: 'omnisync_http_request_duration_seconds',
    type: 'histogram',
    help: "Time to answer an HTTP request of an app's API, by app, route template (unmatched for a 404 without a route), method and status class",
    labelNames: ['app', 'route', 'method', 'status_class'],
    apps: ALL,
    buckets: CALL_BUCKETS,
  }),
  ordersReceived: def({
    name: 'omnisync_orders_received_total',
    type: 'counter',
    help: 'Order messages (push or Taobao TMC) accepted into the inbox, first delivery only (a redelivery is not counted), by platform and merchant (none: shop not known yet)',
    labelNames: ['platform', 'merchant'],
    apps: ['gateway', 'order-sync'],
  }),
  ordersNormalised: def({
    name: 'omnisync_orders_normalised_total',
    type: 'counter',
    help: 'Order versions stored with an ERP delivery to make (an outbox row), by platform and merchant',
    labelNames: ['platform', 'merchant'],
    apps: ['order-sync'],
  }),
  ordersDelivered: def({
    name: 'omnisync_orders_delivered_total',
    type: 'counter',
    help: "Orders the ERP acknowledged for the first time (push delivery or the pull API's ack), by platform and merchant",
    labelNames: ['platform', 'merchant'],
    apps: ['order-sync'],
  }),
  ordersFoundByPoll: def({
    name: 'omnisync_orders_found_by_poll_total',
    type: 'counter',
    help: 'Orders whose paid state reached us by a poll while no push for it had arrived (lost pushes)',
    labelNames: ['platform'],
    apps: ['order-sync'],
  }),
  payToAck: def({
    name: 'omnisync_order_pay_to_erp_ack_seconds',
    type: 'histogram',
    help: 'Time from payment (creation for COD) to the ERP first acknowledging the order',
    labelNames: ['platform'],
    apps: ['order-sync'],
    buckets: [0.5, 1, 2, 5, 10, 15, 20, 25, 30, 45, 60, 120, 300],
  }),
  slaEvents: def({
    name: 'omnisync_sla_events_total',
    type: 'counter',
    help: 'SLA ledger events as they are recorded: orders past the warning / breach mark of pay -> ERP ack (seen waiting, or decided at the ack), by platform, merchant, level and cause',
    labelNames: ['platform', 'merchant', 'level', 'cause'],
    apps: ['order-sync'],
  }),
  erpRejections: def({
    name: 'omnisync_erp_rejections_total',
    type: 'counter',
    help: 'ERP deliveries (order pushes, interceptions) failed for good: the ERP refused them (invalid_request or another non-retryable answer); each is an erp_rejected exception, retried by a person',
    labelNames: ['merchant'],
    apps: ['order-sync'],
  }),
  stockEventsRelayed: def({
    name: 'omnisync_stock_events_relayed_total',
    type: 'counter',
    help: 'Stock events moved from the stock-event outbox (order_sync.stock_events) to {stock-events} jobs for catalog-sync; docs/adr/0014',
    labelNames: [],
    apps: ['order-sync'],
  }),
  stockEventsReadded: def({
    name: 'omnisync_stock_events_readded_total',
    type: 'counter',
    help: 'Stock-event jobs the relay repair added again, by reason (lost: gone from Redis; failed: catalog-sync gave up); docs/adr/0014',
    labelNames: ['reason'],
    apps: ['order-sync'],
  }),
  couponEventsRelayed: def({
    name: 'omnisync_coupon_events_relayed_total',
    type: 'counter',
    help: 'Coupon events (order changes with discount lines, refunds, cancellations) moved from order_sync.coupon_events to {coupon-events} jobs for apps/coupon; docs/adr/0014',
    labelNames: [],
    apps: ['order-sync'],
  }),
  couponEventsReadded: def({
    name: 'omnisync_coupon_events_readded_total',
    type: 'counter',
    help: 'Coupon-event jobs the relay repair added again, by reason (lost: gone from Redis; failed: apps/coupon gave up); docs/adr/0014',
    labelNames: ['reason'],
    apps: ['order-sync'],
  }),
  couponRedemptions: def({
    name: 'omnisync_coupon_redemptions_total',
    type: 'counter',
    help: 'Coupon lines of orders counted by apps/coupon, by platform, attribution (coupon_id: the order names the coupon; amount: matched by amount to the one campaign live on the shop with it; none: not one of our campaigns) and outcome (redeemed, returned by a refund / cancellation)',
    labelNames: ['merchant', 'platform', 'attribution', 'outcome'],
    apps: ['coupon'],
  }),
  couponDiscountFen: def({
    name: 'omnisync_coupon_discount_fen_total',
    type: 'counter',
    help: "Discount (fen) of the merchant's campaign coupons redeemed in orders, and given back by refunds (outcome returned): spend = redeemed - returned",
    labelNames: ['merchant', 'platform', 'outcome'],
    apps: ['coupon'],
  }),
  couponBudgetMarks: def({
    name: 'omnisync_coupon_budget_marks_total',
    type: 'counter',
    help: "Campaign budgets crossing 80 / 100 / 120 % of their budget (pct), and the budget guard's stops (pct stop)",
    labelNames: ['merchant', 'pct'],
    apps: ['coupon'],
  }),
  leaderTickSeconds: def({
    name: 'omnisync_leader_tick_seconds',
    type: 'histogram',
    help: "How long one tick of a single-leader loop took (loop: its lease name), on the instance holding the lease: against the loop's interval it is the leader's headroom (docs/CAPACITY.md)",
    labelNames: ['loop'],
    apps: ['gateway', 'order-sync', 'catalog-sync', 'coupon'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  retentionRowsDeleted: def({
    name: 'omnisync_retention_rows_deleted_total',
    type: 'counter',
    help: "Finished rows the retention sweepers deleted, by table (order-sync: inbox, outbox, erp_attempts, sla_events, order_transitions_rejected, orders_refused, dependency_outages; coupon: coupon.order_states, coupon.redemptions_unattributed); docs/adr/0013",
    labelNames: ['table'],
    apps: ['order-sync', 'coupon'],
  }),
  retentionVacuums: def({
    name: 'omnisync_retention_vacuums_total',
    type: 'counter',
    help: "VACUUMs the retention leader ran itself because Postgres' autovacuum is off, by table (RETENTION_VACUUM_INTERVAL_MS)",
    labelNames: ['table'],
    apps: ['order-sync'],
  }),
  stockPushes: def({
    name: 'omnisync_stock_pushes_total',
    type: 'counter',
    help: 'Stock figures pushed to a platform, by platform, mode (full | delta) and outcome (ok | error)',
    labelNames: ['platform', 'mode', 'outcome'],
    apps: ['catalog-sync'],
  }),
  stockDriftCorrections: def({
    name: 'omnisync_stock_drift_corrections_total',
    type: 'counter',
    help: "Stock drift the checker corrected (the platform's figure differed from ours past the grace time), by platform",
    labelNames: ['platform'],
    apps: ['catalog-sync'],
  }),
  publishResults: def({
    name: 'omnisync_publish_results_total',
    type: 'counter',
    help: 'Listing publishes finished, by platform, merchant and outcome (published | failed | retried)',
    labelNames: ['platform', 'merchant', 'outcome'],
    apps: ['catalog-sync'],
  }),
} as const;

type Defs = typeof METRIC_DEFINITIONS;
type LabelsOf<K extends keyof Defs> = Defs[K]['labelNames'][number];
type Instance<K extends keyof Defs> = Defs[K]['type'] extends 'counter'
  ? Counter<LabelsOf<K>>
  : Defs[K]['type'] extends 'gauge'
    ? Gauge<LabelsOf<K>>
    : Histogram<LabelsOf<K>>;

/** The metric set (STYLE.md §3 / rule 14, ADR 0007): one instance of each per process, in `metricsRegistry`. */
export type AppMetrics = { [K in keyof Defs]: Instance<K> };

/** every metric name of the catalogue (dashboards and rules may use only these, plus histogram suffixes) */
export const METRIC_NAMES: readonly string[] = Object.values(METRIC_DEFINITIONS).map((d) => d.name);

function create(d: MetricDefinition): Counter | Gauge | Histogram {
  const base = { name: d.name, help: d.help, labelNames: [...d.labelNames], registers: [metricsRegistry] };
  switch (d.type) {
    case 'counter':
      return new Counter(base);
    case 'histogram':
      return new Histogram({ ...base, buckets: d.buckets });
    case 'gauge':
      return d.scrapeTime
        ? new Gauge({
            ...base,
            // values come from the sources of this scrape only: a source gone (module closed) leaves no stale series
            async collect() {
              this.reset();
              await runScrapeSources(d.name, this);
            },
          })
        : new Gauge(base);
  }
}

let cached: AppMetrics | null = null;

/** Idempotent: every caller in the process gets the same instances, registered in `metricsRegistry`. */
export function appMetrics(): AppMetrics {
  // resetMetrics() keeps the instances; a registry cleared (tests) gets them registered again
  if (cached && metricsRegistry.getSingleMetric(METRIC_DEFINITIONS.jobsProcessed.name)) return cached;
  const out = {} as Record<string, Counter | Gauge | Histogram>;
  for (const [key, d] of Object.entries(METRIC_DEFINITIONS) as [string, MetricDefinition][]) {
    out[key] = getOrCreateMetric(d.name, () => create(d));
  }
  cached = out as unknown as AppMetrics;
  return cached;
}

/** the label value for a merchant id (null: not known yet) */
export function merchantLabel(merchantId: string | null | undefined): string {
  return merchantId ?? 'none';
}

// ------------------------------------------------------------------ scrape-time sources by metric

/** Something that reports an upstream's calls in flight and adaptive limit when Prometheus scrapes. */
export interface ConcurrencySource {
  upstream: string;
  read(): { inFlight: number; limit: number };
}

/** Registers a scrape-time source for omnisync_upstream_calls_in_flight / omnisync_upstream_concurrency_limit (summed per upstream); returns the unregister. */
export function addConcurrencySource(source: ConcurrencySource): () => void {
  const sum = (field: 'inFlight' | 'limit') => (gauge: Gauge<'upstream'>) => gauge.inc({ upstream: source.upstream }, source.read()[field]);
  const offs = [
    addScrapeSource(METRIC_DEFINITIONS.upstreamCallsInFlight.name, sum('inFlight')),
    addScrapeSource(METRIC_DEFINITIONS.upstreamConcurrencyLimit.name, sum('limit')),
  ];
  return () => offs.forEach((off) => off());
}

/** Something that sets circuit_breakers_open values when Prometheus scrapes (the breaker registries, the ERP lanes). */
export type BreakerStateSource = (gauge: Gauge<'upstream'>) => void;

/** Registers a scrape-time source for omnisync_circuit_breakers_open; returns the function that unregisters it. */
export function addBreakerStateSource(source: BreakerStateSource): () => void {
  return addScrapeSource(METRIC_DEFINITIONS.circuitBreakersOpen.name, source);
}

/** Something that sets omnisync_queue_depth values when Prometheus scrapes (QueueHealthService registers one). */
export type QueueDepthSource = (gauge: Gauge<'queue' | 'state'>) => Promise<void>;

/** Registers a scrape-time source for omnisync_queue_depth; returns the function that unregisters it. */
export function addQueueDepthSource(source: QueueDepthSource): () => void {
  return addScrapeSource(METRIC_DEFINITIONS.queueDepth.name, source);
}

/** Something that sets omnisync_queue_oldest_waiting_seconds values when Prometheus scrapes (QueueHealthService registers one). */
export type QueueAgeSource = (gauge: Gauge<'queue'>) => Promise<void>;

/** Registers a scrape-time source for omnisync_queue_oldest_waiting_seconds; returns the function that unregisters it. */
export function addQueueAgeSource(source: QueueAgeSource): () => void {
  return addScrapeSource(METRIC_DEFINITIONS.queueOldestWaiting.name, source);
}

/** Registers a scrape-time source for omnisync_platform_quota_needed_ratio; returns the unregister. */
export function addQuotaNeededSource(source: (gauge: Gauge<'platform' | 'api'>) => Promise<void>): () => void {
  return addScrapeSource(METRIC_DEFINITIONS.platformQuotaNeeded.name, source);
}

// ------------------------------------------------------------------ upstream calls

/** the outcome label of a failed call: the UpstreamError kind when it is one (duck-typed: no contracts import), else error */
export function upstreamOutcome(e: unknown): string {
  const kind = (e as { name?: unknown; kind?: unknown } | null)?.kind;
  return (e as { name?: unknown } | null)?.name === 'UpstreamError' && typeof kind === 'string' ? kind : 'error';
}

/**
 * Times one upstream call and counts it once: omnisync_upstream_requests_total and
 * omnisync_upstream_request_duration_seconds by upstream, API method and outcome. The platform pipeline
 * (PlatformCaller) and the ERP connectors call it around their breaker, so every call is counted in one place.
 */
export async function observeUpstreamCall<T>(upstream: string, method: string, fn: () => Promise<T>): Promise<T> {
  const m = appMetrics();
  const started = process.hrtime.bigint();
  const done = (outcome: string) => {
    const labels = { upstream, method, outcome };
    m.upstreamRequests.inc(labels);
    m.upstreamRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  };
  try {
    const out = await fn();
    done('ok');
    return out;
  } catch (e) {
    done(upstreamOutcome(e));
    throw e;
  }
}
