/**
 * Dashboards and rules as code (issue 10 item 2), deploy/monitoring/: every metric name (and every label in a
 * selector or a grouping) that the Grafana dashboard's, the alerting rules' and the KEDA triggers' expressions
 * use is one the apps export — taken from the metrics catalogue, not from a list kept here — and promtool
 * checks the rules, runs their unit tests (rules.test.yml) and checks the compose scrape config.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { METRIC_DEFINITIONS, type MetricDefinition } from '@app/observability';
import { PROMETHEUS_RULE, RULES_SOURCE, prometheusRuleYaml } from '../../scripts/monitoring-rules';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'deploy', 'monitoring');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

const defs = Object.values(METRIC_DEFINITIONS) as MetricDefinition[];
/** labels Prometheus adds to every scraped series (ServiceMonitor / static config targets) */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'container', 'endpoint'];
const FUNCTIONS = new Set(
  ('abs absent absent_over_time avg avg_over_time bottomk ceil changes clamp clamp_max clamp_min count count_over_time count_values ' +
    'delta deriv exp floor group histogram_quantile holt_winters idelta increase irate label_join label_replace label_values last_over_time ln log2 log10 ' +
    'max max_over_time min min_over_time predict_linear quantile quantile_over_time rate resets round scalar sgn sort sort_desc sqrt ' +
    'stddev stddev_over_time stdvar sum sum_over_time time timestamp topk vector').split(' '),
);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);

/** the metric a sample name belongs to: a histogram's _bucket / _sum / _count are its own */
function definitionOf(name: string): { def: MetricDefinition; bucket: boolean } | null {
  for (const d of defs) {
    if (d.name === name) return { def: d, bucket: false };
    if (d.type === 'histogram' && [`${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`].includes(name)) return { def: d, bucket: name.endsWith('_bucket') };
  }
  return null;
}

/**
 * What in a PromQL expression is not something the apps export: unknown metric names, and labels (in a
 * selector, or in `by (...)` / `without (...)` of an aggregation over one metric) that metric does not have.
 * Grafana's $variables and [$__rate_interval] are fine.
 */
export function unknownInExpr(expr: string): string[] {
  const problems: string[] = [];
  // strings out (label values, legend text), Grafana variables out
  const text = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\$\{?\w+\}?/g, '');
  const metrics: { def: MetricDefinition; bucket: boolean }[] = [];
  // selectors: name{labels} or a bare name; ranges [5m] and durations are skipped
  const re = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const [, name, selector] = m;
    const before = text.slice(0, m.index);
    const after = text.slice(m.index + m[0].length);
    if (/[\d.]$/.test(before) || /\[[^\]]*$/.test(before)) continue; // 5m, 1e3, inside a range
    if (/^\s*\(/.test(after) && !selector) {
      if (!FUNCTIONS.has(name) && !KEYWORDS.has(name)) problems.push(`unknown function ${name}`);
      if (KEYWORDS.has(name)) {
        // by (a, b) / without (a): labels of the metrics in this expression, checked below
        const group = /^\s*\(([^)]*)\)/.exec(after)![1];
        for (const l of group.split(',').map((x) => x.trim()).filter(Boolean)) problems.push(`?group:${l}`);
        re.lastIndex = m.index + m[0].length + /^\s*\([^)]*\)/.exec(after)![0].length;
      }
      continue;
    }
    if (KEYWORDS.has(name.toLowerCase()) || FUNCTIONS.has(name)) continue;
    const found = definitionOf(name);
    if (!found) {
      problems.push(`unknown metric ${name}`);
      continue;
    }
    metrics.push(found);
    for (const l of [...(selector ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((x) => x[1])) {
      if (!allowedLabels(found).includes(l)) problems.push(`${name} has no label ${l}`);
    }
  }
  // grouping labels: each must belong to at least one metric of the expression
  const grouped = problems.filter((p) => p.startsWith('?group:')).map((p) => p.slice(7));
  const out = problems.filter((p) => !p.startsWith('?group:'));
  for (const l of grouped) if (!metrics.some((x) => allowedLabels(x).includes(l))) out.push(`no metric of the expression has label ${l}`);
  return out;
}

function allowedLabels(x: { def: MetricDefinition; bucket: boolean }): string[] {
  return [...x.def.labelNames, ...TARGET_LABELS, ...(x.bucket ? ['le'] : [])];
}

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (parse(readFileSync(join(DIR, 'rules.yml'), 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
  templating: { list: { query?: unknown }[] };
};
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr })));
const kedaExprs = parseAllDocuments(read('k8s/base/keda.yaml'))
  .map((d) => d.toJS() as { spec?: { triggers?: { type: string; metadata: { query?: string } }[] } })
  .flatMap((o) => o?.spec?.triggers ?? [])
  .filter((t) => t.type === 'prometheus')
  .map((t) => ({ where: 'keda', expr: t.metadata.query! }));

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: DIR, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed: ${err.stdout ?? ''}${err.stderr ?? ''}${err.message}`);
  }
}

describe('deploy/monitoring', () => {
  it('finds unknown metrics, labels and functions in an expression (the check can fail)', () => {
    expect(unknownInExpr('max(queue_oldest_waiting_seconds{queue="{erp-push}"})')).toEqual(['unknown metric queue_oldest_waiting_seconds']);
    expect(unknownInExpr('sum by (shop) (rate(omnisync_orders_received_total{order_id="1"}[5m]))')).toEqual([
      'omnisync_orders_received_total has no label order_id',
      'no metric of the expression has label shop',
    ]);
    expect(unknownInExpr('histogram_quantile(0.99, sum by (platform, le) (rate(omnisync_order_pay_to_erp_ack_seconds_bucket[$__rate_interval])))')).toEqual([]);
    expect(unknownInExpr('omnisync_order_pay_to_erp_ack_seconds{le="5"}')).toEqual(['omnisync_order_pay_to_erp_ack_seconds has no label le']);
    expect(unknownInExpr('sumx(omnisync_queue_depth)')).toEqual(['unknown function sumx']);
  });

  it.each([...rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr })), ...dashboardExprs, ...kedaExprs].map((x) => [x.where, x.expr]))(
    '%s: %s uses only exported metrics and labels',
    (_where, expr) => {
      expect(unknownInExpr(expr)).toEqual([]);
    },
  );

  it('the dashboard covers what ops watches: orders per platform, pay -> ack p50/p99, SLA causes, queues, breakers, upstream errors, publish, drift', () => {
    const all = dashboardExprs.map((x) => x.expr).join('\n');
    for (const name of [
      'omnisync_orders_received_total',
      'omnisync_orders_delivered_total',
      'omnisync_order_pay_to_erp_ack_seconds_bucket',
      'omnisync_sla_events_total',
      'omnisync_queue_depth',
      'omnisync_queue_oldest_waiting_seconds',
      'omnisync_circuit_breakers_open',
      'omnisync_upstream_requests_total',
      'omnisync_publish_results_total',
      'omnisync_stock_drift_corrections_total',
      'omnisync_http_request_duration_seconds_bucket',
    ]) {
      expect({ name, shown: all.includes(name) }).toEqual({ name, shown: true });
    }
    expect(all).toMatch(/histogram_quantile\(0\.5,[^\n]*pay_to_erp_ack/);
    expect(all).toMatch(/histogram_quantile\(0\.99,[^\n]*pay_to_erp_ack/);
    // the merchant variable's query reads a real series with that label
    const vars = JSON.stringify(dashboard.templating.list);
    const lv = [...vars.matchAll(/label_values\((\w+), (\w+)\)/g)];
    expect(lv.length).toBeGreaterThan(0);
    for (const [, metric, label] of lv) expect(definitionOf(metric)?.def.labelNames).toContain(label);
  });

  it('gives every alert a severity of the ladder and a Chinese and English summary', () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const r of rules) {
      expect({ alert: r.alert, severity: r.labels?.severity }).toEqual({ alert: r.alert, severity: expect.stringMatching(/^(info|warning|critical)$/) });
      expect(r.annotations?.summary).toMatch(/^[^/]*[\u4e00-\u9fff][^/]* \/ .*[A-Za-z]{4}/);
    }
    const names = rules.map((r) => r.alert);
    for (const a of ['OmnisyncSlaBreachRateHigh', 'OmnisyncQueueOldestJobOld', 'OmnisyncBreakerOpen', 'OmnisyncUpstreamErrorRate', 'OmnisyncErpRejecting']) expect(names).toContain(a);
  });

  it('passes promtool check rules and promtool test rules', () => {
    expect(promtool('check', 'rules', 'rules.yml')).toMatch(/SUCCESS: \d+ rules found/);
    expect(promtool('test', 'rules', 'rules.test.yml')).toMatch(/SUCCESS/);
  });

  it('ships the same rules to k8s: k8s/base/prometheus-rules.yaml is generated from rules.yml (npm run monitoring:k8s)', () => {
    expect(readFileSync(PROMETHEUS_RULE, 'utf8')).toBe(prometheusRuleYaml(readFileSync(RULES_SOURCE, 'utf8')));
    expect(read('k8s/base/kustomization.yaml')).toMatch(/- prometheus-rules\.yaml/);
  });

  it("scrapes every app's metrics port by its compose service name (promtool check config)", () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(/is valid prometheus config file syntax/);
    const config = parse(readFileSync(join(DIR, 'prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const compose = parse(read('docker/compose.yaml')) as { services: Record<string, { environment?: Record<string, string> }> };
    for (const app of ['gateway', 'order-sync', 'catalog-sync', 'coupon']) {
      const job = config.scrape_configs.find((j) => j.job_name === app);
      expect(job?.metrics_path).toBe('/metrics');
      expect(job?.static_configs[0].targets).toEqual([`${app}:${compose.services[app].environment?.METRICS_PORT}`]);
    }
  });
});
