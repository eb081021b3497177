import { QUEUE, publishQueueOf, type Platform } from '@app/contracts';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../src/catalog-cli';
import { flowJobId } from '../../src/publish/publish-flow.producer';
import { ALL_PLATFORMS, createCatalogHarness, productBody, waitFor, type CatalogHarness } from './catalog-harness';

const CREATE: Record<Platform, string> = { douyin: 'product.addV2', taobao: 'taobao.item.add', xiaohongshu: 'product.createItemV2' };
const UPDATE: Record<Platform, string> = { douyin: 'product.editV2', taobao: 'taobao.item.update', xiaohongshu: 'product.updateItemV2' };

interface StatusBody {
  version: number;
  listings: { platform: Platform; shopId: string; status: string; platformProductId: string | null; lastError: string | null; publishedVersion: number | null; upToDate: boolean }[];
}

describe('publish (real Postgres, Redis and the three simulators)', () => {
  let h: CatalogHarness;
  beforeAll(async () => {
    h = await createCatalogHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function createProduct(over: Record<string, unknown> = {}): Promise<string> {
    const res = await h.http().post('/products').set(h.headers()).send(productBody(over));
    expect(res.status).toBe(201);
    return res.body.product.id as string;
  }

  async function status(id: string): Promise<StatusBody> {
    const res = await h.http().get(`/products/${id}/publish-status`).set(h.headers());
    expect(res.status).toBe(200);
    return res.body as StatusBody;
  }

  async function flowDone(runId: string, productId: string): Promise<void> {
    await waitFor(async () => (await (await h.queue(QUEUE.CATALOG_PUBLISH_FLOW).getJob(flowJobId(runId, productId)))?.getState()) === 'completed', 20_000, 'publish flow parent completed');
  }

  it('publishes a product to all three platforms, then updates the same listings on re-publish', async () => {
    const id = await createProduct();
    const before: Record<Platform, number> = { douyin: h.sims.douyin.requests(CREATE.douyin).length, taobao: h.sims.taobao.requests(CREATE.taobao).length, xiaohongshu: h.sims.xiaohongshu.requests(CREATE.xiaohongshu).length };

    const pub = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({});
    expect(pub.status).toBe(202);
    expect(pub.body.targets.map((t: { platform: string }) => t.platform).sort()).toEqual([...ALL_PLATFORMS].sort());
    await flowDone(pub.body.runId, id);
    const s1 = await status(id);
    expect(s1.listings.map((l) => [l.platform, l.status, l.publishedVersion, l.upToDate])).toEqual([
      ['douyin', 'published', 1, true],
      ['taobao', 'published', 1, true],
      ['xiaohongshu', 'published', 1, true],
    ]);
    for (const p of ALL_PLATFORMS) {
      const listing = s1.listings.find((l) => l.platform === p)!;
      const simProducts = h.sims[p].state().products.filter((x) => x.outerProductId === id);
      expect(simProducts).toHaveLength(1);
      expect(simProducts[0].productId).toBe(listing.platformProductId);
      expect(simProducts[0].title).toBe('春季纯棉T恤 男款');
      expect(h.sims[p].requests(CREATE[p]).length - before[p]).toBe(1);
    }
    const mappings = await h.db.dataSource.query(
      `SELECT sm.platform, s.erp_sku_code, sm.platform_sku_id FROM catalog_sync.sku_mappings sm JOIN catalog_sync.skus s ON s.id = sm.sku_id WHERE s.product_id = $1`,
      [id],
    );
    expect(mappings).toHaveLength(6);
    for (const m of mappings as { platform: Platform; erp_sku_code: string; platform_sku_id: string }[]) {
      const simSku = h.sims[m.platform].state().products.flatMap((x) => x.skus).find((k) => k.skuId === m.platform_sku_id);
      expect(simSku?.skuCode).toBe(m.erp_sku_code); // mapped by the explicit ERP code key
    }
    const [{ mapped }] = await h.db.dataSource.query(
      `SELECT count(*)::int AS mapped FROM catalog_sync.sku_mapping_history hi JOIN catalog_sync.skus s ON s.id = hi.sku_id WHERE s.product_id = $1 AND hi.action = 'mapped'`,
      [id],
    );
    expect(mapped).toBe(6);

    // update: new title and price, published again -> the same platform products are edited
    const body = productBody({ title: '春季纯棉T恤 男款 新色' });
    body.skus = (await h.http().get(`/products/${id}`).set(h.headers())).body.skus.map((s: Record<string, unknown>) => ({
      erpSkuCode: s.erpSkuCode,
      specValues: s.specValues,
      listPriceFen: 12900,
      salePriceFen: 8900,
    }));
    const put = await h.http().put(`/products/${id}`).set(h.headers()).send(body);
    expect(put.status).toBe(200);
    expect(put.body.product.version).toBe(2);
    expect((await status(id)).listings.every((l) => !l.upToDate)).toBe(true);

    const pub2 = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({});
    expect(pub2.status).toBe(202);
    await flowDone(pub2.body.runId, id);
    const s2 = await status(id);
    expect(s2.listings.map((l) => [l.platform, l.status, l.publishedVersion])).toEqual([
      ['douyin', 'published', 2],
      ['taobao', 'published', 2],
      ['xiaohongshu', 'published', 2],
    ]);
    for (const p of ALL_PLATFORMS) {
      const simProducts = h.sims[p].state().products.filter((x) => x.outerProductId === id);
      expect(simProducts).toHaveLength(1); // never a second listing
      expect(simProducts[0].title).toBe('春季纯棉T恤 男款 新色');
      expect(simProducts[0].productId).toBe(s1.listings.find((l) => l.platform === p)!.platformProductId);
      if (p === 'xiaohongshu') {
        // the XHS simulator's updateSkuV2 stores the price on a stale SKU object (reported to the lead), so
        // check what was sent: both SKUs updated in place with the new price
        const sent = h.sims.xiaohongshu.requests('product.updateSkuV2').slice(-2).map((r) => [r.params.id, r.params.price]);
        expect(sent.sort()).toEqual(simProducts[0].skus.map((k) => [k.skuId, 8900]).sort());
      } else {
        expect([p, simProducts[0].skus.map((k) => k.priceFen)]).toEqual([p, [8900, 8900]]);
      }
      expect(h.sims[p].requests(CREATE[p]).length - before[p]).toBe(1);
      expect(h.sims[p].requests(UPDATE[p]).length).toBeGreaterThanOrEqual(1);
    }
    const [{ remapped }] = await h.db.dataSource.query(
      `SELECT count(*)::int AS remapped FROM catalog_sync.sku_mapping_history hi JOIN catalog_sync.skus s ON s.id = hi.sku_id WHERE s.product_id = $1 AND hi.action <> 'mapped'`,
      [id],
    );
    expect(remapped).toBe(0);
  });

  it('blocks a banned word with 422 (word, category, position) and calls no platform', async () => {
    const id = await createProduct({ title: '国家级 顶级纯棉T恤' });
    const calls = h.requestCounts();
    const res = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({});
    expect(res.status).toBe(422);
    expect(res.body.violations).toEqual([
      { field: 'title', word: '国家级', category: 'false_authority', start: 0, end: 3 },
      { field: 'title', word: '顶级', category: 'superlative', start: 4, end: 6 },
    ]);
    expect(h.requestCounts()).toEqual(calls);
    expect(await h.db.dataSource.query(`SELECT 1 FROM catalog_sync.listings WHERE product_id = $1`, [id])).toHaveLength(0);
    for (const q of [QUEUE.CATALOG_PUBLISH, ...['douyin', 'taobao', 'xiaohongshu'].map(publishQueueOf)]) {
      expect({ q, counts: await h.queue(q).getJobCounts('wait', 'active', 'delayed', 'prioritized') }).toEqual({ q, counts: { wait: 0, active: 0, delayed: 0, prioritized: 0 } });
    }
  });

  it('checks a platform override title and the merchant’s own banned words', async () => {
    const add = await h.http().post('/compliance/banned-words').set(h.headers()).send({ word: '爆款王', category: 'merchant' });
    expect(add.status).toBe(201);
    const id = await createProduct({ overrides: [{ platform: 'douyin', title: '今年爆款王 T恤' }] });
    const calls = h.requestCounts();
    const res = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({ platforms: ['douyin', 'taobao'] });
    expect(res.status).toBe(422);
    expect(res.body.violations).toEqual([{ field: 'overrides.douyin.title', word: '爆款王', category: 'merchant', start: 2, end: 5 }]);
    expect(h.requestCounts()).toEqual(calls);
    // Taobao alone is clean: the override only applies to Douyin
    const ok = await h.http().post(`/products/${id}/publish/dry-run`).set(h.headers()).send({ platforms: ['taobao'] });
    expect(ok.status).toBe(200);
    expect(ok.body.compliance).toEqual({ violations: [], limitViolations: [] });
  });

  it('enforces platform limits: Xiaohongshu sale price must be below the original price', async () => {
    const body = productBody();
    (body.skus as { salePriceFen: number; listPriceFen: number }[]).forEach((s) => (s.salePriceFen = s.listPriceFen));
    const create = await h.http().post('/products').set(h.headers()).send(body);
    const id = create.body.product.id as string;
    const calls = h.requestCounts();
    const res = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({ platforms: ['xiaohongshu'] });
    expect(res.status).toBe(422);
    expect(res.body.violations).toEqual([]);
    expect(res.body.limitViolations.map((v: { platform: string; rule: string }) => [v.platform, v.rule])).toEqual([
      ['xiaohongshu', 'price_not_below_original'],
      ['xiaohongshu', 'price_not_below_original'],
    ]);
    expect(h.requestCounts()).toEqual(calls);
  });

  it('dry-run shows what each platform would receive, with overrides applied, and sends nothing', async () => {
    const id = await createProduct({ overrides: [{ platform: 'taobao', title: '淘宝专用标题', categoryId: '50000671', priceFen: 9500 }] });
    const calls = h.requestCounts();
    const res = await h.http().post(`/products/${id}/publish/dry-run`).set(h.headers()).send({});
    expect(res.status).toBe(200);
    const tb = res.body.targets.find((t: { platform: string }) => t.platform === 'taobao');
    expect(tb.operation).toBe('create');
    expect(tb.listing).toMatchObject({ outerProductId: id, title: '淘宝专用标题', categoryId: '50000671' });
    expect(tb.listing.skus.map((s: { priceFen: number; originalPriceFen: number }) => [s.priceFen, s.originalPriceFen])).toEqual([
      [9500, 12900],
      [9500, 12900],
    ]);
    const dy = res.body.targets.find((t: { platform: string }) => t.platform === 'douyin');
    expect(dy.listing.title).toBe('春季纯棉T恤 男款');
    expect(h.requestCounts()).toEqual(calls);
  });

  it('marks a listing failed with the platform’s reason on a non-retryable error; the other platforms publish', async () => {
    const id = await createProduct();
    h.sims.taobao.failNext('invalid_request');
    const pub = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({});
    expect(pub.status).toBe(202);
    await flowDone(pub.body.runId, id);
    const s = await status(id);
    const tb = s.listings.find((l) => l.platform === 'taobao')!;
    expect(tb.status).toBe('failed');
    expect(tb.lastError).toEqual(expect.any(String));
    expect(tb.lastError!.length).toBeGreaterThan(0);
    expect(s.listings.filter((l) => l.platform !== 'taobao').map((l) => l.status)).toEqual(['published', 'published']);
    const run = await h.http().get(`/publish-runs/${pub.body.runId}`).set(h.headers());
    expect(run.body).toMatchObject({ total: 3, done: true, counts: { published: 2, failed: 1, pending: 0, publishing: 0 } });
  });

  it('never calls, nor shows the answer of, an internal address a shop points at: lastError names the refusal', async () => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const internal = createServer((_q, r) => {
      hits++;
      r.end(JSON.stringify({ code: 40001, sub_msg: 'redis_version:7.2 CANARY-INTERNAL-ANSWER' }));
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
    const port = (internal.address() as AddressInfo).port;
    const original = h.sims.douyin.url;
    try {
      h.setShopBaseUrl('douyin', `http://127.0.0.1:${port}`);
      const id = await createProduct();
      const pub = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({ platforms: ['douyin'] });
      expect(pub.status).toBe(202);
      await flowDone(pub.body.runId, id);
      const dy = (await status(id)).listings.find((l) => l.platform === 'douyin')!;
      expect(dy.status).toBe('failed');
      expect(dy.lastError).toBe(`douyin: invalid_request: outbound URL refused for platform:douyin: 127.0.0.1 is not a douyin API host`);
      expect(hits).toBe(0);
    } finally {
      h.setShopBaseUrl('douyin', original);
      await new Promise<void>((r) => internal.close(() => r()));
    }
  });

  it('waits out platform flow control without failing the listing', async () => {
    const id = await createProduct();
    h.sims.douyin.failNext('rate_limited');
    const pub = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({ platforms: ['douyin'] });
    await flowDone(pub.body.runId, id);
    const s = await status(id);
    expect(s.listings.map((l) => [l.platform, l.status])).toEqual([['douyin', 'published']]);
  });

  describe('a create that fails after the platform made the product never leaves a second listing', () => {
    // XHS: createItemV2 ok, the 2nd createSkuV2 busy -> BullMQ retry; Taobao: item.add ok, item.seller.get
    // throttled -> delayed retry; Douyin: addV2 committed but its answer lost -> retry finds it by outer id
    it.each([
      ['xiaohongshu', 'busy', { method: 'product.createSkuV2', skip: 1 }],
      ['taobao', 'rate_limited', { method: 'taobao.item.seller.get' }],
      ['douyin', 'busy', { method: 'product.addV2', phase: 'after' }],
    ] as const)('%s: %s on %j -> one product for the outer id, our listing and mappings point to it', async (platform, fault, target) => {
      const id = await createProduct();
      const creates = h.sims[platform].requests(CREATE[platform]).length;
      h.sims[platform].failNext(fault, 1, target);
      const pub = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({ platforms: [platform] });
      expect(pub.status).toBe(202);
      await flowDone(pub.body.runId, id);
      expect(h.sims[platform].faults.pending()).toEqual([]); // the fault did fire
      const [listing] = (await status(id)).listings;
      expect([listing.platform, listing.status]).toEqual([platform, 'published']);
      const simProducts = h.sims[platform].state().products.filter((x) => x.outerProductId === id);
      expect(simProducts).toHaveLength(1);
      expect(listing.platformProductId).toBe(simProducts[0].productId);
      expect(h.sims[platform].requests(CREATE[platform]).length - creates).toBe(1);
      const mappings: { erp_sku_code: string; platform_product_id: string; platform_sku_id: string }[] = await h.db.dataSource.query(
        `SELECT s.erp_sku_code, sm.platform_product_id, sm.platform_sku_id FROM catalog_sync.sku_mappings sm JOIN catalog_sync.skus s ON s.id = sm.sku_id WHERE s.product_id = $1`,
        [id],
      );
      expect(mappings).toHaveLength(2);
      expect(simProducts[0].skus).toHaveLength(2);
      for (const m of mappings) {
        expect(m.platform_product_id).toBe(simProducts[0].productId);
        expect(simProducts[0].skus.find((k) => k.skuId === m.platform_sku_id)?.skuCode).toBe(m.erp_sku_code);
      }
    });

    it('a permanent failure after the create keeps the product id: the listing fails, and the next publish updates it', async () => {
      const id = await createProduct();
      const creates = h.sims.xiaohongshu.requests(CREATE.xiaohongshu).length;
      h.sims.xiaohongshu.failNext('invalid_request', 1, { method: 'product.createSkuV2', skip: 1 });
      const pub = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({ platforms: ['xiaohongshu'] });
      await flowDone(pub.body.runId, id);
      const [failed] = (await status(id)).listings;
      expect(failed.status).toBe('failed');
      const made = h.sims.xiaohongshu.state().products.filter((x) => x.outerProductId === id);
      expect(made).toHaveLength(1);
      expect(failed.platformProductId).toBe(made[0].productId);
      const [{ n }] = await h.db.dataSource.query(
        `SELECT count(*)::int AS n FROM catalog_sync.sku_mappings sm JOIN catalog_sync.skus s ON s.id = sm.sku_id WHERE s.product_id = $1 AND sm.platform_product_id = $2`,
        [id, made[0].productId],
      );
      expect(n).toBe(1); // the SKU created before the failure is mapped, so it is not created again

      const again = await h.http().post(`/products/${id}/publish`).set(h.headers()).send({ platforms: ['xiaohongshu'] });
      await flowDone(again.body.runId, id);
      const [ok] = (await status(id)).listings;
      expect([ok.status, ok.platformProductId]).toEqual(['published', made[0].productId]);
      const after = h.sims.xiaohongshu.state().products.filter((x) => x.outerProductId === id);
      expect(after).toHaveLength(1);
      expect(after[0].skus.map((k) => k.skuCode).sort()).toHaveLength(2);
      expect(h.sims.xiaohongshu.requests(CREATE.xiaohongshu).length - creates).toBe(1);
    });
  });

  it('bulk publish reports progress per run and rejects non-compliant products up front', async () => {
    const ids = [await createProduct(), await createProduct(), await createProduct({ title: '全网最低 T恤' })];
    const res = await h.http().post('/products/publish').set(h.headers()).send({ productIds: ids, platforms: ['douyin', 'xiaohongshu'] });
    expect(res.status).toBe(202);
    expect(res.body.queued).toBe(2);
    expect(res.body.listings).toBe(4);
    expect(res.body.rejected.map((r: { productId: string }) => r.productId)).toEqual([ids[2]]);
    const done = await waitFor(async () => {
      const r = await h.http().get(`/publish-runs/${res.body.runId}`).set(h.headers());
      return r.body.done ? r.body : null;
    }, 20_000, 'bulk run done');
    expect(done).toMatchObject({ total: 4, counts: { published: 4, failed: 0 } });
  });

  it('validates bodies (400 naming the field) and requires the merchant headers and role', async () => {
    const bad = await h.http().post('/products').set(h.headers()).send(productBody({ skus: [{ erpSkuCode: 'X', listPriceFen: 1.5, salePriceFen: 1 }] }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('skus.0.listPriceFen');
    const extra = await h.http().post('/products').set(h.headers()).send(productBody({ colour: 'red' }));
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.message)).toContain('colour');
    expect((await h.http().get('/products')).status).toBe(401);
    expect((await h.http().get('/products').set(h.headers('ops'))).status).toBe(403);
    const other = await h.http().get('/products').set({ ...h.headers(), 'x-omnisync-merchant-id': '00000000-0000-4000-8000-000000000000' });
    expect(other.body.total).toBe(0);
  });

  it('the CLI bulk-publishes with a progress bar on stderr and a summary on stdout', async () => {
    const ids = [await createProduct(), await createProduct()];
    const server = await h.app.listen(0, '127.0.0.1');
    const port = (server.address() as AddressInfo).port;
    let out = '';
    let err = '';
    const code = await runCli(['publish', ...ids, '--platforms', 'taobao', '--url', `http://127.0.0.1:${port}`, '--merchant', h.merchantId], {
      out: (x) => (out += x),
      err: (x) => (err += x),
      tty: false,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    }, { ...process.env, INTERNAL_SERVICE_SECRET: 'cli-test-internal-service-secret-0123456789' });
    expect(code).toBe(0);
    expect(err.trim().split('\n').pop()).toBe(`[${'#'.repeat(30)}] 100% 2/2 published 2 failed 0`);
    expect(out).toMatch(/run [0-9a-f-]{36}: published 2, failed 0, rejected 0/);
  });
});
