import { collectDefaultMetrics, register as promClientDefaultRegister, Registry, type Metric } from 'prom-client';

/**
 * One Registry per process, holding the default process metrics once (process_*, nodejs_*: unprefixed, as
 * every Node.js dashboard expects them). Every omnisync metric is defined in
 * catalogue.ts and registered here; nothing uses prom-client's default `register` (test/monitoring checks
 * it stays empty after booting every app). When several apps run in one process (demo) they share it.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/**
 * Metrics registered on prom-client's global default `register` — which /metrics never serves, so anything
 * there is a series nobody sees (issue 10: the SLA counters were). Must stay empty; the app shells check it.
 */
export function strayDefaultRegistryMetrics(): string[] {
  return promClientDefaultRegister.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name);
}

/** the metric named so in the process registry, else the one `create` registers there */
export function getOrCreateMetric<T extends Metric>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * Scrape-time sources: something that sets a gauge's values when Prometheus scrapes (QueueHealthService,
 * the breaker registries, the ERP lanes, QuotaUseService). A gauge of the catalogue with scrape-time values
 * runs its sources in `collect()`; sources register and unregister themselves with their module's lifecycle.
 */
export type ScrapeSource<G> = (gauge: G) => void | Promise<void>;
const scrapeSources = new Map<string, Set<ScrapeSource<never>>>();

/** Registers a scrape-time source for the metric `name`; returns the function that unregisters it. */
export function addScrapeSource<G>(name: string, source: ScrapeSource<G>): () => void {
  let set = scrapeSources.get(name);
  if (!set) scrapeSources.set(name, (set = new Set()));
  set.add(source as ScrapeSource<never>);
  return () => set.delete(source as ScrapeSource<never>);
}

/** runs the sources of `name` (in registration order, awaiting each: a later source's value wins) */
export async function runScrapeSources<G>(name: string, gauge: G): Promise<void> {
  for (const source of [...(scrapeSources.get(name) ?? [])]) await (source as ScrapeSource<G>)(gauge);
}

/** Maps an HTTP status to the `status_class` label (2xx, 4xx, 5xx). */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
