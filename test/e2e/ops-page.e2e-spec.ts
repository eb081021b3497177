/// <reference lib="dom" />
/**
 * The ops page (/ops) in a real headless Chromium (Debian's `chromium`, driven by puppeteer-core) against one
 * running system (gateway, order-sync, catalog-sync, coupon, the simulators) with two merchants: A (Douyin, Taobao)
 * and B (Xiaohongshu), each with a coupon campaign. Signs in with A's ops key, waits for the figures and checks them against the JSON APIs the
 * page reads, checks nothing of B's shows, that a bad key is an error on the page, retries an ERP rejection from
 * the page, switches language, and signs in as the platform operator picking a merchant. Screenshots go to
 * test/artefacts/ops-page/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import type { Page } from 'puppeteer-core';
import { launchOpsBrowser, type OpsBrowser } from '../../scripts/ops-page-browser';
import { generated, startE2eSystem, waitAllAtErp, waitUntil, type E2eSystem } from '../../apps/order-sync/test/e2e/support/e2e-system';

jest.setTimeout(240_000);

const ARTEFACTS = join(__dirname, '..', 'artefacts', 'ops-page');

describe('ops page in headless Chromium', () => {
  let e2e: E2eSystem;
  let base: string;
  let opsKeyA: string;
  let browser: OpsBrowser;
  let page: Page;
  const consoleErrors: string[] = [];
  let rejectedKey: string;
  let rejectedOrderId: string;
  /** a second rejection, resolved by the platform operator from the page */
  let secondRejectedKey: string;
  /** each merchant's running coupon campaign: A's shows on A's page with the API's figures, B's never */
  let campaignA: string;
  let campaignB: string;

  const api = (key: string) => axios.create({ baseURL: base, headers: { authorization: `Bearer ${key}` }, validateStatus: () => true });
  const text = (sel: string) => page.$eval(sel, (e) => (e.textContent ?? '').trim());
  const shot = (name: string) => page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    e2e = await startE2eSystem({ apps: ['gateway', 'order-sync', 'catalog-sync', 'coupon'], secondMerchant: { platforms: ['xiaohongshu'] } });
    base = e2e.sys.urls.gateway;
    const created = await e2e.sys.gateway.post('/api-keys', { name: 'ops page', roles: ['ops'] });
    expect(created.status).toBe(201);
    opsKeyA = (created.data as { key: string }).key;

    // orders on A's Douyin and Taobao shops and on B's Xiaohongshu shop, all the way to the ERP
    for (const p of ['douyin', 'taobao', 'xiaohongshu'] as const) await e2e.sys.sandboxAdmin(p, 'POST', 'generator/burst', { ratePerSec: 3, durationSec: 2 });
    const want: Record<string, string[]> = {};
    for (const p of ['douyin', 'taobao', 'xiaohongshu'] as const) {
      want[p] = (await waitUntil(`${p} burst generated`, async () => {
        const g = await generated(e2e.sys, p);
        return g.length >= 6 ? g : undefined;
      }, 30_000)).map((o) => o.orderId);
    }
    await waitAllAtErp(e2e.sys, want, 90_000);

    // an ERP that refused one of A's deliveries for good: an exception to retry from the page
    const orderIds: string[] = [];
    for (const platformOrderId of want.douyin.slice(0, 2)) {
      const [order] = await e2e.db.query(`SELECT o.id FROM order_sync.orders o WHERE o.shop_id = $1 AND o.platform_order_id = $2`, [e2e.sys.shops.douyin.id, platformOrderId]);
      await e2e.db.query(`UPDATE order_sync.outbox SET status = 'failed', attempts = 3, last_error = 'rejected: unknown sku' WHERE order_id = $1`, [order.id]);
      orderIds.push(order.id);
    }
    rejectedOrderId = orderIds[0];
    // an SLA breach in each merchant's ledger (as the watcher records one): A's shows with its cause, B's never
    const ledger = (shopId: string, merchantId: string, cause: string) =>
      e2e.db.query(
        `INSERT INTO order_sync.sla_events (order_id, level, platform, cause, age_ms, at, merchant_id, shop_id, platform_order_id, sla_started_at, source)
         SELECT o.id, 'breach', o.platform, $3, 31000, now(), $2, o.shop_id, o.platform_order_id, o.sla_started_at, 'ack'
           FROM order_sync.orders o WHERE o.shop_id = $1 ORDER BY o.id LIMIT 1`,
        [shopId, merchantId, cause],
      );
    await ledger(e2e.sys.shops.taobao.id, e2e.sys.merchantId, 'erp_slow');
    await ledger(e2e.sys.shops.xiaohongshu.id, e2e.sys.second!.merchantId, 'platform_throttled');
    const inbox = (await api(opsKeyA).get('/exceptions')).data as { exceptions: { key: string; type: string; context: { orderId?: string } }[] };
    rejectedKey = inbox.exceptions.find((x) => x.type === 'erp_rejected' && x.context.orderId === orderIds[0])!.key;
    secondRejectedKey = inbox.exceptions.find((x) => x.type === 'erp_rejected' && x.context.orderId === orderIds[1])!.key;

    const campaign = (name: string, budgetFen: number) => ({
      name,
      kind: 'threshold',
      amountFen: 500,
      thresholdFen: 5_000,
      totalQuantity: 1_000,
      perUserLimit: 1,
      claimStartsAt: new Date(Date.now() - 60_000).toISOString(),
      claimEndsAt: new Date(Date.now() + 86_400_000).toISOString(),
      validity: { kind: 'after_claim', days: 7 },
      scope: 'shop',
      audience: 'everyone',
      budgetFen,
    });
    for (const [gw, name, budget] of [[e2e.sys.gateway, '直播间满减券 A', 250_000], [e2e.sys.second!.gateway, 'B-only campaign', 90_000]] as const) {
      const made = await gw.post('/coupon-campaigns', campaign(name, budget));
      expect(made.status).toBe(201);
      expect((await gw.post(`/coupon-campaigns/${made.data.id}/start`)).status).toBe(200);
      if (gw === e2e.sys.gateway) campaignA = made.data.id;
      else campaignB = made.data.id;
    }

    // --headless --no-sandbox --disable-gpu --disable-quic ... and a fresh --user-data-dir (scripts/ops-page-browser.ts)
    browser = await launchOpsBrowser();
    page = browser.page;
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await e2e?.teardown();
  }, 60_000);

  it('redirects / to /ops and serves the page as static files under a strict CSP, without framing', async () => {
    const res = await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(new URL(page.url()).pathname).toBe('/ops');
    const h = res!.headers();
    expect(h['content-security-policy']).toContain("script-src 'self'");
    expect(h['content-security-policy']).not.toContain('unsafe-inline');
    expect(h['x-frame-options']).toBe('DENY');
    // the page itself holds no data: no key, no figures
    expect(await page.content()).not.toContain(e2e.sys.shops.douyin.platformShopId);
    const asset = await axios.get(`${base}/ops/assets/uPlot.iife.min.js`);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await axios.get(`${base}/ops/assets/..%2Fops-page.controller.ts`, { validateStatus: () => true })).status).toBe(404);
  });

  it('shows an error for a bad key and stays signed out', async () => {
    await page.type('#key', 'osk_abcdefgh_notarealsecretnotarealsecret00');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#sign-in-error:not([hidden])', { timeout: 10_000 });
    expect(await text('#sign-in-error')).toMatch(/密钥无效|Key refused/);
    expect(await page.$eval('#board', (e) => (e as HTMLElement).hidden)).toBe(true);
    await shot('01-bad-key');
  });

  it("signs in with merchant A's ops key and shows the same figures as the JSON APIs", async () => {
    await page.type('#key', opsKeyA);
    await page.click('#sign-in-form button[type=submit]');
    for (const p of ['throughput', 'sla', 'queues', 'breakers', 'shops', 'alerts', 'coupons', 'exceptions']) {
      await page.waitForSelector(`[data-panel="${p}"][data-loaded]`, { timeout: 20_000 });
    }
    await page.waitForSelector('[data-figure="orders-douyin"]', { timeout: 10_000 });
    // the key is in this tab's sessionStorage, never in a cookie or the URL
    expect(await page.evaluate(() => sessionStorage.getItem('omnisync.ops.key'))).toBe(opsKeyA);
    expect(await page.evaluate(() => document.cookie)).toBe('');

    const a = api(opsKeyA);
    const [tp, sla, queues, shops] = await Promise.all([
      a.get('/ops/throughput?minutes=15&bucketSeconds=10'),
      a.get(`/ops/sla?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`),
      a.get('/ops/queues'),
      a.get('/shops'),
    ]);
    const platforms = (tp.data as { platforms: { platform: string; total: { orders: number } }[] }).platforms;
    expect(platforms.map((p) => p.platform)).toEqual(['douyin', 'taobao']);
    for (const p of platforms) {
      expect(p.total.orders).toBeGreaterThanOrEqual(6);
      expect(Number(await text(`[data-figure="orders-${p.platform}"]`))).toBe(p.total.orders);
    }
    const breaches = (sla.data as { platforms: { breaches: number }[] }).platforms.reduce((s, p) => s + p.breaches, 0);
    expect(breaches).toBe(1);
    expect(Number(await text('[data-figure="sla-breaches"]'))).toBe(breaches);
    expect(await page.$$eval('#sla-causes tbody tr', (rows) => rows.map((r) => r.textContent))).toEqual(['erp_slow1']);
    const work = queues.data as Record<'inbox' | 'outbox' | 'shipments', { pending: number; failed: number }>;
    for (const q of ['inbox', 'outbox', 'shipments'] as const) {
      expect(Number(await text(`[data-figure="pending-${q}"]`))).toBe(work[q].pending);
      expect(Number(await text(`[data-figure="failed-${q}"]`))).toBe(work[q].failed);
    }
    expect(work.outbox.failed).toBe(2);
    expect(await page.$$eval('#shops-table tbody tr', (rows) => rows.length)).toBe((shops.data as unknown[]).length);
    expect(await page.$$eval('#breakers-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-upstream')))).toEqual(['erp', 'douyin', 'taobao']);
    // the charts are uPlot canvases
    expect(await page.$$eval('#chart-orders canvas, #chart-latency canvas', (c) => c.length)).toBe(2);
    // GET /alerts is deployed: the panel lists A's firing alerts (by their summaries) or says there are none, never
    // "not available"; the page polls, so it is compared with the API until the two agree (the evaluator may fire
    // one in between)
    expect(await page.$('#alerts-list [data-unavailable="true"]')).toBeNull();
    await waitUntil('the alerts panel to agree with GET /alerts', async () => {
      const res = await a.get('/alerts');
      expect(res.status).toBe(200);
      const firing = (res.data as { alerts: { state: string; merchantId: string; summary: { zh: string } }[] }).alerts.filter((x) => x.state === 'firing');
      const shown = await page.$$eval('#alerts-list li', (rows) => rows.map((r) => r.textContent ?? ''));
      const agree = firing.length === 0 ? shown.length === 1 && /没有|No open alerts/.test(shown[0]) : shown.length === Math.min(firing.length, 50) && firing.every((x, i) => i >= 50 || shown.some((t) => t.includes(x.summary.zh)));
      return agree;
    }, 20_000);
    // the coupon panel: A's running campaign with the figures GET /coupon-campaigns gives, and each platform's state
    const campaigns = (await a.get('/coupon-campaigns')).data as { campaigns: Array<{ id: string; status: string; figures: { redemptions: number; budget: { budgetFen: number } }; platforms: Array<{ platform: string; state: string }> }> };
    const mine = campaigns.campaigns.find((c) => c.id === campaignA)!;
    expect(mine.status).toBe('active');
    expect(Number(await text(`[data-figure="redemptions-${campaignA}"]`))).toBe(mine.figures.redemptions);
    expect(await text(`[data-figure="spent-${campaignA}"]`)).toContain('/ ¥2500.00');
    const platformsCell = await page.$eval(`#coupons-table tr[data-campaign="${campaignA}"] td:nth-child(5)`, (e) => e.textContent ?? '');
    for (const p of mine.platforms) expect(platformsCell).toContain(`${p.platform} ${p.state}`);
    expect(await page.$(`#coupons-table tr[data-campaign="${campaignB}"]`)).toBeNull();
    await shot('02-signed-in-zh');
  });

  it("shows nothing of merchant B's", async () => {
    const body = await page.$eval('#board', (e) => e.textContent ?? '');
    expect(body).not.toContain('xiaohongshu');
    expect(body).not.toContain('platform_throttled');
    expect(body).not.toContain(e2e.sys.shops.xiaohongshu.platformShopId);
    expect(body).not.toContain('B-only campaign');
  });

  it('retries an ERP rejection from the exception inbox, and the order is delivered again', async () => {
    const button = `#exceptions-table button[data-action="retry"][data-key="${rejectedKey}"]`;
    await page.waitForSelector(button, { timeout: 10_000 });
    await page.$eval(button, (b) => (b as HTMLButtonElement).click());
    await waitUntil('redelivered', async () => (await e2e.db.query(`SELECT 1 FROM order_sync.outbox WHERE order_id = $1 AND status = 'delivered'`, [rejectedOrderId])).length > 0, 30_000);
    // the page's next poll drops it from the inbox
    await page.waitForFunction((key) => !document.querySelector(`#exceptions-table tr[data-key="${key}"]`), { timeout: 20_000 }, rejectedKey);
    const [row] = await e2e.db.query(`SELECT action, details FROM core.audit_log WHERE action = 'exception.retry' AND target_id = $1`, [rejectedKey]);
    expect(row).toBeDefined();
  });

  it('switches to English and back, both languages in the page', async () => {
    expect(await text('[data-panel="exceptions"] h2 [data-i18n="exceptions"]')).toBe('异常待办');
    await page.click('#lang');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await text('[data-panel="exceptions"] h2 [data-i18n="exceptions"]')).toBe('Exception inbox');
    expect(await text('[data-panel="queues"] h2')).toBe('Queues');
    await shot('03-signed-in-en');
    await page.click('#lang');
    expect(await text('[data-panel="queues"] h2')).toBe('队列');
  });

  it('lets the platform operator pick a merchant, each seeing only its own shops', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    expect(await page.evaluate(() => sessionStorage.getItem('omnisync.ops.key'))).toBeNull();
    await page.type('#key', e2e.sys.options.operatorToken);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#merchant-picker:not([hidden])', { timeout: 10_000 });
    const options = await page.$$eval('#merchant-select option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining([e2e.sys.merchantId, e2e.sys.second!.merchantId]));
    await page.select('#merchant-select', e2e.sys.second!.merchantId);
    await page.waitForFunction(() => [...document.querySelectorAll('#shops-table tbody tr td:nth-child(2)')].map((td) => td.textContent).join(',') === 'xiaohongshu', { timeout: 15_000 });
    await page.select('#merchant-select', e2e.sys.merchantId);
    await page.waitForFunction(() => [...document.querySelectorAll('#shops-table tbody tr td:nth-child(2)')].map((td) => td.textContent).sort().join(',') === 'douyin,taobao', { timeout: 15_000 });
    await shot('04-operator');
    // the operator resolves A's second rejection from the page: audited under A, with the operator as the actor
    const resolve = `#exceptions-table button[data-action="resolve"][data-key="${secondRejectedKey}"]`;
    await page.waitForSelector(resolve, { timeout: 15_000 });
    await page.$eval(resolve, (b) => (b as HTMLButtonElement).click());
    await page.waitForFunction((key) => !document.querySelector(`#exceptions-table tr[data-key="${key}"]`), { timeout: 20_000 }, secondRejectedKey);
    const [audit] = await e2e.db.query(`SELECT merchant_id, actor_key_id, details FROM core.audit_log WHERE action = 'exception.resolve' AND target_id = $1`, [secondRejectedKey]);
    expect(audit).toMatchObject({ merchant_id: e2e.sys.merchantId, actor_key_id: null, details: { actor: 'operator' } });
  });

  it('ran without a script error or a CSP violation', () => {
    expect(consoleErrors.filter((e) => !/status of (401|404)/.test(e))).toEqual([]);
  });
});
