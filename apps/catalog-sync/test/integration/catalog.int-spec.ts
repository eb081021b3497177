import { createCatalogHarness, productBody, type CatalogHarness } from './catalog-harness';

describe('catalog API and SKU mapping (real Postgres)', () => {
  let h: CatalogHarness;
  beforeAll(async () => {
    h = await createCatalogHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates, reads and replaces a product; removed SKUs disappear, ERP codes stay unique per merchant', async () => {
    const body = productBody({ overrides: [{ platform: 'xiaohongshu', title: '小红书标题', priceFen: 9800 }] }, 'cat1');
    const created = await h.http().post('/products').set(h.headers()).send(body);
    expect(created.status).toBe(201);
    const id = created.body.product.id;
    expect(created.body.skus.map((s: { erpSkuCode: string }) => s.erpSkuCode)).toEqual(['TEE-cat1-L', 'TEE-cat1-M']); // by ERP code
    expect(created.body.overrides).toEqual([{ platform: 'xiaohongshu', title: '小红书标题', categoryId: null, attributes: null, priceFen: 9800 }]);

    const dup = await h.http().post('/products').set(h.headers()).send(productBody({}, 'cat1'));
    expect(dup.status).toBe(409);

    const replaced = await h.http().put(`/products/${id}`).set(h.headers()).send({ ...body, skus: [(body.skus as object[])[0]] });
    expect(replaced.status).toBe(200);
    expect(replaced.body.skus).toHaveLength(1);
    expect(replaced.body.product.version).toBe(2);

    const ov = await h.http().put(`/products/${id}/overrides/douyin`).set(h.headers()).send({ title: '抖音标题' });
    expect(ov.status).toBe(200);
    expect(ov.body.overrides.map((o: { platform: string }) => o.platform)).toEqual(['douyin', 'xiaohongshu']);
    expect((await h.http().put(`/products/${id}/overrides/weibo`).set(h.headers()).send({})).status).toBe(400);
  });

  it('sets SKU mappings by explicit keys only, with history, and refuses a platform SKU id held by another SKU', async () => {
    const a = (await h.http().post('/products').set(h.headers()).send(productBody({}, 'map1'))).body;
    const shopId = h.shopIds.taobao;
    const set = (erpSkuCode: string, platformSkuId: string) =>
      h.http().put('/sku-mappings').set(h.headers()).send({ erpSkuCode, shopId, platformProductId: '600100', platformSkuId });
    const first = await set('TEE-map1-M', '5001');
    expect(first.status).toBe(200);
    expect(first.body.change).toBe('mapped');
    expect((await set('TEE-map1-M', '5001')).body.change).toBe('unchanged');
    expect((await set('TEE-map1-M', '5002')).body.change).toBe('remapped');
    expect((await set('TEE-map1-L', '5002')).status).toBe(409);
    expect((await set('NO-SUCH-CODE', '5003')).status).toBe(404);

    const skuId = a.skus.find((s: { erpSkuCode: string }) => s.erpSkuCode === 'TEE-map1-M').id;
    expect((await h.http().delete(`/skus/${skuId}/mappings/${shopId}`).set(h.headers())).status).toBe(204);
    const hist = await h.http().get(`/skus/${skuId}/mapping-history`).set(h.headers());
    expect(hist.body.map((x: { action: string; platformSkuId: string }) => [x.action, x.platformSkuId])).toEqual([
      ['mapped', '5001'],
      ['remapped', '5002'],
      ['unmapped', '5002'],
    ]);
  });
});
