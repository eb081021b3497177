/**
 * One registry per process, one catalogue (issue 10 item 1, docs/adr/0007-one-metrics-registry.md): every
 * metric is defined in libs/observability/src/metrics/catalogue.ts and nowhere else, prom-client is imported
 * only by libs/observability's metrics folder, and the catalogue's names and labels follow Prometheus naming
 * with bounded labels. (The app shells check at boot that prom-client's default registry stays empty.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { METRIC_DEFINITIONS, METRIC_NAMES, type MetricDefinition } from '@app/observability';

const ROOT = join(__dirname, '..', '..');
const CATALOGUE = 'libs/observability/src/metrics/catalogue.ts';
const METRICS_LIB = 'libs/observability/src/metrics/';

interface Source {
  path: string;
  text: string;
}

function sources(dir: string, out: Source[] = []): Source[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sources(full, out);
    else if (name.endsWith('.ts')) out.push({ path: relative(ROOT, full), text: readFileSync(full, 'utf8') });
  }
  return out;
}

/** where a metric is made or prom-client is reached outside the catalogue / the metrics lib */
export function strayMetricSites(files: Source[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    f.text.split('\n').forEach((line, i) => {
      if (/\bnew\s+(Counter|Gauge|Histogram|Summary)\s*[(<]/.test(line) && f.path !== CATALOGUE) out.push(`${f.path}:${i + 1}: ${line.trim()}`);
      if (/from\s+['"]prom-client['"]|require\(\s*['"]prom-client['"]\s*\)/.test(line) && !f.path.startsWith(METRICS_LIB)) out.push(`${f.path}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

const defs = Object.values(METRIC_DEFINITIONS) as MetricDefinition[];
/** labels that would carry an id or buyer data: a series per shop / order / person */
const UNBOUNDED = /^(shop|shop_id|order|order_id|platform_order_id|buyer|phone|address|request_id|job_id|sku|sku_id|user|key|path|url)$/;

describe('metrics catalogue', () => {
  it('is the only place a metric is created, and prom-client is imported by the metrics lib only', () => {
    const tree = ['apps', 'libs', 'scripts', 'bench', 'test'].flatMap((d) => sources(join(ROOT, d)));
    expect(tree.length).toBeGreaterThan(100);
    expect(strayMetricSites(tree.filter((f) => f.path !== 'test/monitoring/metrics-catalogue.spec.ts'))).toEqual([]);
  });

  it('finds a stray metric and a prom-client import anywhere else (the scan can fail)', () => {
    const stray = strayMetricSites([
      { path: 'apps/order-sync/src/sla/x.metrics.ts', text: "import { Counter, register } from 'prom-client';\nconst c = new Counter({ name: 'sla_events_total', help: 'h' });" },
      { path: 'libs/queue/src/y.ts', text: 'const g = new Gauge<"queue">({ name: "queue_depth", help: "h" });' },
      { path: CATALOGUE, text: 'new Counter({ name: "omnisync_ok_total", help: "h" })' },
    ]);
    expect(stray).toEqual([
      "apps/order-sync/src/sla/x.metrics.ts:1: import { Counter, register } from 'prom-client';",
      "apps/order-sync/src/sla/x.metrics.ts:2: const c = new Counter({ name: 'sla_events_total', help: 'h' });",
      'libs/queue/src/y.ts:1: const g = new Gauge<"queue">({ name: "queue_depth", help: "h" });',
    ]);
  });

  it.each(defs.map((d) => [d.name, d] as const))('%s follows Prometheus naming with bounded labels', (name, d) => {
    expect(name).toMatch(/^omnisync_[a-z][a-z0-9_]*[a-z0-9]$/);
    if (d.type === 'counter') expect(name).toMatch(/_total$/);
    else expect(name).not.toMatch(/_total$/);
    if (d.type === 'histogram') expect(name).toMatch(/_seconds$/);
    expect(d.help.length).toBeGreaterThan(20);
    for (const l of d.labelNames) {
      expect(l).toMatch(/^[a-z][a-z_]*$/);
      expect(l).not.toMatch(UNBOUNDED);
    }
    expect(d.apps.length).toBeGreaterThan(0);
  });

  it('names each metric once', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
  });

  it('labels the order, SLA and publish counters by merchant (the merchant id), and the latency histograms not', () => {
    for (const k of ['ordersReceived', 'ordersNormalised', 'ordersDelivered', 'slaEvents', 'publishResults'] as const) {
      expect(METRIC_DEFINITIONS[k].labelNames).toContain('merchant');
    }
    for (const d of defs.filter((x) => x.type === 'histogram')) expect(d.labelNames).not.toContain('merchant');
  });
});
