/**
 * Metrics that are true (issue 10 item 1 and its acceptance): one whole system (sandbox + the four apps as
 * child processes, two merchants), real traffic, then each app's /metrics scraped and its series compared with
 * what happened — counted in Postgres, in the ERP simulator and in GET /ops/sla:
 *  - merchant A's Douyin orders: a burst delivered normally, then a burst while the ERP answers 503 for 8 s
 *    (the simulator's fault injection) — the SLA breach series (omnisync_sla_events_total) has exactly the
 *    ledger's rows, by cause, and the counts GET /ops/sla reports; merchant B's Xiaohongshu orders (no outage
 *    while they flowed) are counted under B only, with no SLA events;
 *  - orders received (gateway and order-sync), normalised and delivered per platform and merchant; the pay ->
 *    ack histogram; ERP calls by method and outcome (ok and the outage's retryable); platform calls; the ERP
 *    breaker gauge; HTTP latency by route template; the queue gauges exported by exactly one process;
 *  - catalog-sync: a product published to Douyin and its stock pushed (publish results, stock pushes).
 * SLA marks lowered to 3 s / 5 s (SLA_WARN_MS / SLA_BREACH_MS), as in sla-ledger.e2e-spec.ts.
 */
import type { AxiosInstance } from 'axios';
import type { Platform } from '@app/contracts';
import { generated, startE2eSystem, tail, waitUntil, type E2eSystem, type GeneratedOrder } from '../../apps/order-sync/test/e2e/support/e2e-system';

jest.setTimeout(240_000);

const WARN_MS = 3000;
const BREACH_MS = 5000;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** the Prometheus text format's samples (no timestamps in ours) */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const kv of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[kv[1]] = kv[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

/** the sum of a metric's samples whose labels include `match` */
function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

describe('metrics e2e: every app scraped after real traffic and a forced ERP outage', () => {
  let e2e: E2eSystem;
  let merchantA: string;
  let merchantB: string;
  const scrapes: Partial<Record<string, Sample[]>> = {};
  let report: { platforms: { platform: string; breaches: number; breachCauses: Record<string, number> }[] };

  const logs = () => `\norder-sync:\n${tail(e2e.sys, 'order-sync', 30)}\ncatalog-sync:\n${tail(e2e.sys, 'catalog-sync', 15)}`;
  const q = <T = Record<string, unknown>>(sql: string, p: unknown[] = []): Promise<T[]> => e2e.db.query(sql, p);

  async function scrape(app: string): Promise<Sample[]> {
    const res = await fetch(`${e2e.sys.metricsUrls[app as 'gateway']}/metrics`);
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  }

  async function burst(platform: Platform, ratePerSec: number, durationSec: number): Promise<GeneratedOrder[]> {
    const before = (await generated(e2e.sys, platform)).length;
    await e2e.sys.sandboxAdmin(platform, 'POST', 'generator/burst', { ratePerSec, durationSec });
    const total = Math.round(ratePerSec * durationSec);
    return waitUntil(`${platform} burst generated`, async () => {
      const g = (await generated(e2e.sys, platform)).slice(before);
      return g.length >= total ? g : undefined;
    }, durationSec * 1000 + 30_000);
  }

  async function allAcked(platform: Platform, made: GeneratedOrder[]): Promise<void> {
    const ids = made.map((g) => g.orderId);
    await waitUntil(
      `${platform}: ${ids.length} orders acked`,
      async () => Number((await q<{ n: number }>(`SELECT count(*)::int AS n FROM order_sync.orders WHERE platform = $1 AND platform_order_id = ANY($2) AND erp_acked_at IS NOT NULL`, [platform, ids]))[0].n) === ids.length,
      120_000,
      logs,
    );
  }

  async function publishAndStock(gateway: AxiosInstance): Promise<void> {
    const code = `MET-${Date.now()}`;
    const created = await gateway.post('/products', {
      title: '春季纯棉T恤 男款',
      description: '舒适透气的纯棉面料',
      images: ['https://img.example/tee-1.jpg'],
      category: '1001',
      attributes: { 品牌: 'Acme', 材质: '棉' },
      skus: [{ erpSkuCode: code, specValues: { 尺码: 'M' }, listPriceFen: 12900, salePriceFen: 9900, weightGrams: 200 }],
    });
    expect(created.status).toBe(201);
    const productId = (created.data as { product: { id: string } }).product.id;
    expect((await gateway.post(`/products/${productId}/publish`, { platforms: ['douyin'] })).status).toBe(202);
    await waitUntil('listing published', async () => {
      const s = (await gateway.get(`/products/${productId}/publish-status`)).data as { listings: { status: string }[] };
      return s.listings.length > 0 && s.listings.every((l) => l.status === 'published');
    }, 60_000, logs);
    expect((await gateway.post('/erp/stock', { items: [{ erpSkuCode: code, onHand: 40 }] })).status).toBe(200);
    await waitUntil('stock pushed', async () => Number((await q<{ n: number }>(`SELECT count(*)::int AS n FROM catalog_sync.stock_pushes WHERE last_pushed_quantity IS NOT NULL`))[0]?.n ?? 0) > 0, 60_000, logs);
  }

  beforeAll(async () => {
    e2e = await startE2eSystem({
      apps: ['gateway', 'order-sync', 'catalog-sync', 'coupon'],
      secondMerchant: { platforms: ['xiaohongshu'] },
      orderSyncEnv: { SLA_WARN_MS: String(WARN_MS), SLA_BREACH_MS: String(BREACH_MS), SLA_CHECK_INTERVAL_MS: '500', SWEEP_INTERVAL_MS: '1000', SWEEP_STALE_AFTER_MS: '2000' },
    });
    merchantA = e2e.sys.merchantId;
    merchantB = e2e.sys.second!.merchantId;

    // A on Douyin, B on Xiaohongshu: delivered in time
    const [normal, xhs] = await Promise.all([burst('douyin', 2, 3), burst('xiaohongshu', 2, 3)]);
    await Promise.all([allAcked('douyin', normal), allAcked('xiaohongshu', xhs)]);
    // A's next burst while the ERP answers 503 for 8 s: its first orders wait past both marks
    await e2e.sys.sandboxAdmin('erp', 'POST', 'faults', { downForMs: 8000 });
    const late = await burst('douyin', 2, 3);
    await allAcked('douyin', late);
    await publishAndStock(e2e.sys.gateway);
    // the SLA watcher's pass after the last ack, then every app scraped
    await new Promise((r) => setTimeout(r, 1500));
    // the merchant's SLA report (also a request each of the gateway and order-sync time)
    const res = await e2e.sys.gateway.get('/ops/sla');
    expect(res.status).toBe(200);
    report = res.data as typeof report;
    for (const app of ['gateway', 'order-sync', 'catalog-sync', 'coupon']) scrapes[app] = await scrape(app);
  }, 240_000);

  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  it("counts exactly the SLA ledger's rows, by merchant, level and cause, and the breaches GET /ops/sla reports", async () => {
    const os = scrapes['order-sync']!;
    const rows = await q<{ platform: string; merchant: string; level: string; cause: string; n: number; disproved: number }>(
      `SELECT platform, merchant_id::text AS merchant, level, cause, count(*)::int AS n, count(disproved_at)::int AS disproved
         FROM order_sync.sla_events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    );
    const breaches = rows.filter((r) => r.level === 'breach');
    console.log(`SLA ledger rows: ${JSON.stringify(rows)}`);
    // the outage made breaches, all A's Douyin orders, with an ERP cause
    expect(breaches.reduce((n, r) => n + r.n, 0)).toBeGreaterThan(0);
    expect(breaches.every((r) => r.merchant === merchantA && r.platform === 'douyin')).toBe(true);
    const series = os.filter((s) => s.name === 'omnisync_sla_events_total' && s.value > 0);
    expect(series.map((s) => ({ ...s.labels, n: s.value })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      rows.map((r) => ({ platform: r.platform, merchant: r.merchant, level: r.level, cause: r.cause, n: r.n })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    // B had no outage while its orders flowed: no SLA series under B
    expect(sum(os, 'omnisync_sla_events_total', { merchant: merchantB })).toBe(0);

    // the merchant's report (the ledger without disproved events) says the same
    const douyin = report.platforms.find((p) => p.platform === 'douyin')!;
    const disproved = breaches.reduce((n, r) => n + r.disproved, 0);
    expect(douyin.breaches).toBe(sum(os, 'omnisync_sla_events_total', { merchant: merchantA, platform: 'douyin', level: 'breach' }) - disproved);
    for (const [cause, n] of Object.entries(douyin.breachCauses)) {
      expect({ cause, n }).toEqual({ cause, n: sum(os, 'omnisync_sla_events_total', { merchant: merchantA, level: 'breach', cause }) - breaches.filter((r) => r.cause === cause).reduce((x, r) => x + r.disproved, 0) });
    }
    expect(Object.keys(douyin.breachCauses).every((c) => c.startsWith('erp_') || c === 'circuit_open' || c === 'backlog')).toBe(true);
  });

  it('counts orders received, normalised and delivered per platform and merchant, and observes pay -> ack', async () => {
    const os = scrapes['order-sync']!;
    const gw = scrapes.gateway!;
    const orders = await q<{ platform: string; merchant: string; n: number }>(
      `SELECT o.platform, s.merchant_id::text AS merchant, count(*)::int AS n FROM order_sync.orders o JOIN core.shops s ON s.id = o.shop_id
        WHERE o.erp_acked_at IS NOT NULL GROUP BY 1, 2`,
    );
    const outbox = await q<{ merchant: string; platform: string; n: number }>(
      `SELECT merchant_id::text AS merchant, payload->>'platform' AS platform, count(*)::int AS n FROM order_sync.outbox GROUP BY 1, 2`,
    );
    const inbox = await q<{ platform: string; merchant: string; n: number }>(
      `SELECT i.platform, s.merchant_id::text AS merchant, count(*)::int AS n FROM order_sync.inbox i JOIN core.shops s ON s.id = i.shop_id
        WHERE i.status <> 'ignored' GROUP BY 1, 2`,
    );
    expect(orders.map((o) => o.platform).sort()).toEqual(['douyin', 'xiaohongshu']);
    for (const o of orders) {
      const labels = { platform: o.platform, merchant: o.merchant };
      expect({ ...labels, delivered: sum(os, 'omnisync_orders_delivered_total', labels) }).toEqual({ ...labels, delivered: o.n });
      expect(sum(os, 'omnisync_order_pay_to_erp_ack_seconds_count', { platform: o.platform })).toBe(o.n);
    }
    for (const r of outbox) {
      const labels = { platform: r.platform, merchant: r.merchant };
      expect({ ...labels, normalised: sum(os, 'omnisync_orders_normalised_total', labels) }).toEqual({ ...labels, normalised: r.n });
    }
    // pushes (Douyin, Xiaohongshu) are received by the gateway, Taobao's TMC by order-sync; here every inbox row is a push
    for (const r of inbox) {
      const labels = { platform: r.platform, merchant: r.merchant };
      expect({ ...labels, received: sum(gw, 'omnisync_orders_received_total', labels) + sum(os, 'omnisync_orders_received_total', labels) }).toEqual({ ...labels, received: r.n });
    }
    // merchant isolation: A's Douyin orders never under B, B's Xiaohongshu never under A
    expect(sum(os, 'omnisync_orders_delivered_total', { platform: 'douyin', merchant: merchantB })).toBe(0);
    expect(sum(os, 'omnisync_orders_delivered_total', { platform: 'xiaohongshu', merchant: merchantA })).toBe(0);
    // the outage's orders took longer than the breach mark: they are in the histogram's upper buckets
    const within5s = sum(os, 'omnisync_order_pay_to_erp_ack_seconds_bucket', { platform: 'douyin', le: '5' });
    expect(within5s).toBeLessThan(sum(os, 'omnisync_order_pay_to_erp_ack_seconds_count', { platform: 'douyin' }));
  });

  it('counts ERP and platform calls by method and outcome, and exports the ERP breaker', () => {
    const os = scrapes['order-sync']!;
    expect(sum(os, 'omnisync_upstream_requests_total', { upstream: 'erp', method: 'push_orders', outcome: 'ok' })).toBeGreaterThan(0);
    // the 503s of the outage (and an open breaker's refusals, if it opened)
    expect(
      sum(os, 'omnisync_upstream_requests_total', { upstream: 'erp', method: 'push_orders', outcome: 'retryable' }) +
        sum(os, 'omnisync_upstream_requests_total', { upstream: 'erp', method: 'push_orders', outcome: 'circuit_open' }),
    ).toBeGreaterThan(0);
    expect(sum(os, 'omnisync_upstream_request_duration_seconds_count', { upstream: 'erp' })).toBe(sum(os, 'omnisync_upstream_requests_total', { upstream: 'erp' }));
    // the order path's platform reads, by API method
    const douyinCalls = os.filter((s) => s.name === 'omnisync_upstream_requests_total' && s.labels.upstream === 'douyin' && s.labels.outcome === 'ok');
    expect(douyinCalls.length).toBeGreaterThan(0);
    expect(douyinCalls.every((s) => /^order\./.test(s.labels.method))).toBe(true);
    expect(os.some((s) => s.name === 'omnisync_circuit_breakers_open' && s.labels.upstream === 'erp')).toBe(true);
    expect(os.some((s) => s.name === 'omnisync_upstream_concurrency_limit' && s.labels.upstream === 'erp' && s.value >= 1)).toBe(true);
  });

  it('times HTTP requests by route template, never by raw path', () => {
    const gw = scrapes.gateway!;
    expect(sum(gw, 'omnisync_http_request_duration_seconds_count', { app: 'gateway', route: '/webhooks/:platform', method: 'POST', status_class: '2xx' })).toBeGreaterThan(0);
    expect(sum(gw, 'omnisync_http_request_duration_seconds_count', { app: 'gateway', route: '/ops/sla', method: 'GET', status_class: '2xx' })).toBeGreaterThan(0);
    expect(sum(scrapes['order-sync']!, 'omnisync_http_request_duration_seconds_count', { app: 'order-sync', route: '/ops/sla' })).toBeGreaterThan(0);
    // the catalog API streams through the gateway's proxy (no Nest route there): named by its prefix
    expect(sum(gw, 'omnisync_http_request_duration_seconds_count', { app: 'gateway', route: '/products/*', method: 'POST', status_class: '2xx' })).toBeGreaterThan(0);
    expect(sum(scrapes['catalog-sync']!, 'omnisync_http_request_duration_seconds_count', { app: 'catalog-sync', route: '/products/:id/publish', method: 'POST', status_class: '2xx' })).toBe(1);
    for (const app of ['gateway', 'order-sync', 'catalog-sync']) {
      const routes = scrapes[app]!.filter((s) => s.name === 'omnisync_http_request_duration_seconds_count').map((s) => s.labels.route);
      console.log(`${app} routes timed: ${[...new Set(routes)].join(' ')}`);
      // no uuid or order id in a route label
      expect(routes.filter((r) => /[0-9a-f]{8}-[0-9a-f]{4}-|\d{6,}/.test(r))).toEqual([]);
    }
  });

  it('exports the queue gauges from exactly one process of the deployment', () => {
    const owners = Object.entries(scrapes).filter(([, s]) => s!.some((x) => x.name === 'omnisync_queue_depth'));
    expect(owners.map(([app]) => app)).toHaveLength(1);
    const [, samples] = owners[0];
    const keys = samples!.filter((s) => s.name === 'omnisync_queue_depth').map((s) => `${s.labels.queue}|${s.labels.state}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('{order-events}|waiting');
    expect(samples!.filter((s) => s.name === 'omnisync_queue_oldest_waiting_seconds').length).toBeGreaterThan(0);
    // and every process declares them (HELP/TYPE), so a hand-over needs no restart
    for (const s of Object.values(scrapes)) expect(s!.length).toBeGreaterThan(0);
  });

  it("counts catalog-sync's publish results and stock pushes", async () => {
    const cs = scrapes['catalog-sync']!;
    expect(sum(cs, 'omnisync_publish_results_total', { platform: 'douyin', merchant: merchantA, outcome: 'published' })).toBe(1);
    expect(sum(cs, 'omnisync_publish_results_total', { merchant: merchantB })).toBe(0);
    expect(sum(cs, 'omnisync_stock_pushes_total', { platform: 'douyin', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sum(cs, 'omnisync_upstream_requests_total', { upstream: 'douyin', outcome: 'ok' })).toBeGreaterThan(0);
  });
});
