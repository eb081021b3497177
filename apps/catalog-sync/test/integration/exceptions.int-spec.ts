/**
 * catalog-sync's exception inbox on a real database, queues and simulators: a failed listing (retry publishes
 * it again; once published the exception is gone by itself), stock drift corrected beyond the threshold and
 * unmapped platform SKUs (gone once mapped), scoped to the merchant, bad keys named.
 */
import { randomUUID } from 'node:crypto';
import type { OpsException } from '@app/contracts';
import { createCatalogHarness, productBody, waitFor, type CatalogHarness } from './catalog-harness';

describe('exception inbox (catalog-sync)', () => {
  let h: CatalogHarness;
  let productId: string;
  const OTHER = randomUUID();
  const list = async (merchant: string) =>
    ((await h.http().get('/exceptions').set({ 'x-omnisync-merchant-id': merchant, 'x-omnisync-roles': 'ops' }).expect(200)).body as { exceptions: OpsException[] }).exceptions;
  const as = (merchant: string) => ({ 'x-omnisync-merchant-id': merchant, 'x-omnisync-roles': 'ops' });

  beforeAll(async () => {
    h = await createCatalogHarness();
    await h.db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'other')`, [OTHER]);
    productId = (await h.http().post('/products').set(h.headers()).send(productBody()).expect(201)).body.product.id;
    const pub = await h.http().post(`/products/${productId}/publish`).set(h.headers()).send({ platforms: ['taobao'] });
    if (pub.status !== 202) throw new Error(JSON.stringify(pub.body));
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM catalog_sync.listings WHERE product_id = $1 AND status = 'published'`, [productId])).length > 0, 20_000, 'published');
    // what a publish that failed for good leaves behind
    await h.db.dataSource.query(`UPDATE catalog_sync.listings SET status = 'failed', last_error = 'taobao: isv.item-add-service-error', updated_at = now() WHERE product_id = $1`, [productId]);
    // two corrected drifts: 7 units (beyond the 5-unit threshold) and 2 (within it)
    const [sku] = await h.db.dataSource.query(`SELECT id FROM catalog_sync.skus WHERE product_id = $1 LIMIT 1`, [productId]);
    for (const [platformQty, expected] of [[3, 10], [8, 10]]) {
      await h.db.dataSource.query(
        `INSERT INTO catalog_sync.stock_drift_log (sku_id, shop_id, platform_quantity, expected_quantity, target_quantity, action, reason)
         VALUES ($1, $2, $3, $4, $4, 'corrected', 'platform edited outside omnisync')`,
        [sku.id, h.shopIds.douyin, platformQty, expected],
      );
    }
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("lists the merchant's failed listing and the drift beyond the threshold; another merchant sees none", async () => {
    const a = await list(h.merchantId);
    expect(a.map((e) => e.type).sort()).toEqual(['publish_failed', 'stock_drift']);
    expect(a.find((e) => e.type === 'publish_failed')).toMatchObject({ actions: ['retry', 'resolve'], context: { productId, platform: 'taobao', lastError: 'taobao: isv.item-add-service-error' } });
    expect(a.find((e) => e.type === 'stock_drift')).toMatchObject({ actions: ['resolve'], context: { platform: 'douyin', platformQuantity: 3, expectedQuantity: 10 } });
    expect(await list(OTHER)).toEqual([]);
  });

  it("resolves for its merchant only; another merchant's resolve or retry is a 404", async () => {
    const key = (await list(h.merchantId)).find((e) => e.type === 'stock_drift')!.key;
    await h.http().post(`/exceptions/${encodeURIComponent(key)}/resolve`).set(as(OTHER)).send({}).expect(404);
    const pub = (await list(h.merchantId)).find((e) => e.type === 'publish_failed')!.key;
    await h.http().post(`/exceptions/${encodeURIComponent(pub)}/retry`).set(as(OTHER)).expect(404);
    expect((await list(h.merchantId)).map((e) => e.key)).toEqual(expect.arrayContaining([key, pub]));
    await h.http().post(`/exceptions/${encodeURIComponent(key)}/resolve`).set(as(h.merchantId)).send({ note: 'live room sold 7 offline' }).expect(200);
    expect((await list(h.merchantId)).map((e) => e.key)).not.toContain(key);
  });

  it('retrying a failed listing publishes it again, and the exception is gone once published', async () => {
    const key = (await list(h.merchantId)).find((e) => e.type === 'publish_failed')!.key;
    const res = await h.http().post(`/exceptions/${encodeURIComponent(key)}/retry`).set(as(h.merchantId)).expect(200);
    expect(res.body).toMatchObject({ key, retried: true, runId: expect.any(String) });
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM catalog_sync.listings WHERE product_id = $1 AND status = 'published'`, [productId])).length > 0, 20_000, 'republished');
    expect((await list(h.merchantId)).some((e) => e.type === 'publish_failed')).toBe(false);
  });

  it('an order line matching none of our SKUs is an unmapped_sku exception of its merchant until the SKU is mapped', async () => {
    // what StockService.applyOrderEvents records for such a line (stock.int-spec covers the recording)
    await h.db.dataSource.query(
      `INSERT INTO catalog_sync.unmapped_skus (shop_id, platform_sku_id, erp_sku_code, lines, last_order_id) VALUES ($1, 'DY-SKU-UNKNOWN-1', 'NO-SUCH-CODE', 3, 'DY-O-9')`,
      [h.shopIds.douyin],
    );
    const [u] = (await list(h.merchantId)).filter((e) => e.type === 'unmapped_sku');
    expect(u).toMatchObject({
      key: `unmapped_sku:${h.shopIds.douyin}:DY-SKU-UNKNOWN-1`,
      severity: 'warning',
      actions: ['resolve'],
      context: { platform: 'douyin', platformSkuId: 'DY-SKU-UNKNOWN-1', erpSkuCode: 'NO-SUCH-CODE', lines: 3, lastOrderId: 'DY-O-9' },
    });
    expect(u.title.en).toMatch(/3 order lines reserved no stock/);
    expect((await list(OTHER)).filter((e) => e.type === 'unmapped_sku')).toEqual([]);
    // mapped: gone by itself
    const [sku] = await h.db.dataSource.query(`SELECT id FROM catalog_sync.skus WHERE product_id = $1 LIMIT 1`, [productId]);
    await h.db.dataSource.query(`DELETE FROM catalog_sync.sku_mappings WHERE sku_id = $1 AND shop_id = $2`, [sku.id, h.shopIds.douyin]);
    await h.db.dataSource.query(
      `INSERT INTO catalog_sync.sku_mappings (sku_id, shop_id, platform, platform_product_id, platform_sku_id) VALUES ($1, $2, 'douyin', 'DY-P-1', 'DY-SKU-UNKNOWN-1')`,
      [sku.id, h.shopIds.douyin],
    );
    expect((await list(h.merchantId)).filter((e) => e.type === 'unmapped_sku')).toEqual([]);
  });

  it('names the key on bad input and changes nothing', async () => {
    const bad = await h.http().post('/exceptions/erp_rejected:1:1/resolve').set(as(h.merchantId)).send({}).expect(400);
    expect(JSON.stringify(bad.body)).toContain('not a catalog-sync exception key');
    await h.http().post('/exceptions/publish_failed:nope/resolve').set(as(h.merchantId)).send({ extra: 1 }).expect(400);
    await h.http().get('/exceptions').set({ 'x-omnisync-merchant-id': h.merchantId, 'x-omnisync-roles': 'erp' }).expect(403);
    expect(await h.db.dataSource.query(`SELECT key FROM catalog_sync.exception_resolutions WHERE key LIKE 'publish_failed:nope%'`)).toEqual([]);
  });
});
