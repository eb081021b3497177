import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/**
 * One Registry per process, holding the default process metrics once. When several apps run in one
 * process (demo) they share it; metric names are bounded and labels carry queue/job/upstream.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

function getOrCreate<T extends Metric>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

export type JobOutcome = 'completed' | 'failed' | 'retried';

/** The metric set of STYLE.md §3 / rule 14. Idempotent: every caller gets the same instances. */
export interface AppMetrics {
  jobsProcessed: Counter<'queue' | 'job' | 'outcome'>;
  jobDuration: Histogram<'queue' | 'job' | 'outcome'>;
  queueDepth: Gauge<'queue' | 'state'>;
  queueOldestWaiting: Gauge<'queue'>;
  upstreamRequests: Counter<'upstream' | 'status_class'>;
  circuitBreakerOpen: Gauge<'upstream'>;
  upstreamCallsInFlight: Gauge<'upstream'>;
  upstreamConcurrencyLimit: Gauge<'upstream'>;
}

export function appMetrics(): AppMetrics {
  return {
    jobsProcessed: getOrCreate(
      'jobs_processed_total',
      () =>
        new Counter({
          name: 'jobs_processed_total',
          help: 'Jobs finished by a worker, by queue, job name and outcome (completed | failed | retried)',
          labelNames: ['queue', 'job', 'outcome'],
          registers: [metricsRegistry],
        }),
    ),
    jobDuration: getOrCreate(
      'job_duration_seconds',
      () =>
        new Histogram({
          name: 'job_duration_seconds',
          help: 'Time from a worker taking a job to finishing it',
          labelNames: ['queue', 'job', 'outcome'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers: [metricsRegistry],
        }),
    ),
    queueDepth: getOrCreate(
      'queue_depth',
      () =>
        new Gauge({
          name: 'queue_depth',
          help: 'Jobs in a queue by state (waiting, active, delayed, failed), read from Redis at scrape time',
          labelNames: ['queue', 'state'],
          registers: [metricsRegistry],
          async collect() {
            await Promise.all([...depthSources].map((s) => s(this)));
          },
        }),
    ),
    queueOldestWaiting: getOrCreate(
      'queue_oldest_waiting_seconds',
      () =>
        new Gauge({
          name: 'queue_oldest_waiting_seconds',
          help: 'Seconds since the oldest waiting job of a queue became ready (0 when nothing waits), read from Redis at scrape time; KEDA scales the workers on it',
          labelNames: ['queue'],
          registers: [metricsRegistry],
          async collect() {
            await Promise.all([...ageSources].map((s) => s(this)));
          },
        }),
    ),
    upstreamRequests: getOrCreate(
      'upstream_requests_total',
      () =>
        new Counter({
          name: 'upstream_requests_total',
          help: 'Calls to an upstream (platform, ERP) by status class (2xx, 4xx, 5xx, timeout, network, breaker_open)',
          labelNames: ['upstream', 'status_class'],
          registers: [metricsRegistry],
        }),
    ),
    circuitBreakerOpen: getOrCreate(
      'circuit_breaker_open',
      () =>
        new Gauge({
          name: 'circuit_breaker_open',
          help: 'Open circuit breakers of an upstream (platforms have one per shop; the ERP one)',
          labelNames: ['upstream'],
          registers: [metricsRegistry],
          collect() {
            for (const source of breakerSources) source(this);
          },
        }),
    ),
    upstreamCallsInFlight: getOrCreate(
      'upstream_calls_in_flight',
      () =>
        new Gauge({
          name: 'upstream_calls_in_flight',
          help: 'Calls to an upstream under way in this process (the ERP: summed over merchant lanes)',
          labelNames: ['upstream'],
          registers: [metricsRegistry],
          collect() {
            for (const source of concurrencySources) this.set({ upstream: source.upstream }, 0);
            for (const source of concurrencySources) this.inc({ upstream: source.upstream }, source.read().inFlight);
          },
        }),
    ),
    upstreamConcurrencyLimit: getOrCreate(
      'upstream_concurrency_limit',
      () =>
        new Gauge({
          name: 'upstream_concurrency_limit',
          help: 'Adaptive limit of calls in flight to an upstream in this process (the ERP: summed over merchant lanes)',
          labelNames: ['upstream'],
          registers: [metricsRegistry],
          collect() {
            for (const source of concurrencySources) this.set({ upstream: source.upstream }, 0);
            for (const source of concurrencySources) this.inc({ upstream: source.upstream }, source.read().limit);
          },
        }),
    ),
  };
}

/** Something that reports an upstream's calls in flight and adaptive limit when Prometheus scrapes. */
export interface ConcurrencySource {
  upstream: string;
  read(): { inFlight: number; limit: number };
}
const concurrencySources = new Set<ConcurrencySource>();

/** Registers a scrape-time source for upstream_calls_in_flight / upstream_concurrency_limit; returns the unregister. */
export function addConcurrencySource(source: ConcurrencySource): () => void {
  concurrencySources.add(source);
  return () => concurrencySources.delete(source);
}

/** Something that sets circuit_breaker_open values when Prometheus scrapes (the breaker registry registers one). */
export type BreakerStateSource = (gauge: Gauge<'upstream'>) => void;
const breakerSources = new Set<BreakerStateSource>();

/** Registers a scrape-time source for circuit_breaker_open; returns the function that unregisters it. */
export function addBreakerStateSource(source: BreakerStateSource): () => void {
  breakerSources.add(source);
  return () => breakerSources.delete(source);
}

/** Something that sets queue_depth values when Prometheus scrapes (QueueHealthService registers one). */
export type QueueDepthSource = (gauge: Gauge<'queue' | 'state'>) => Promise<void>;
const depthSources = new Set<QueueDepthSource>();

/** Registers a scrape-time source for queue_depth; returns the function that unregisters it. */
export function addQueueDepthSource(source: QueueDepthSource): () => void {
  depthSources.add(source);
  return () => depthSources.delete(source);
}

/** Something that sets queue_oldest_waiting_seconds values when Prometheus scrapes (QueueHealthService registers one). */
export type QueueAgeSource = (gauge: Gauge<'queue'>) => Promise<void>;
const ageSources = new Set<QueueAgeSource>();

/** Registers a scrape-time source for queue_oldest_waiting_seconds; returns the function that unregisters it. */
export function addQueueAgeSource(source: QueueAgeSource): () => void {
  ageSources.add(source);
  return () => ageSources.delete(source);
}

/** Maps an HTTP status (or failure kind) to the `status_class` label. */
export function statusClass(status: number | 'timeout' | 'network' | 'breaker_open'): string {
  return typeof status === 'number' ? `${Math.floor(status / 100)}xx` : status;
}
