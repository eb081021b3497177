import { createCatalogHarness, type CatalogHarness } from './catalog-harness';
import { catalogCsv } from './import-fixture';

describe('catalog import (real Postgres)', () => {
  let h: CatalogHarness;
  beforeAll(async () => {
    h = await createCatalogHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = async (sql: string) => (await h.db.dataSource.query(sql, [h.merchantId]))[0].n as number;

  it('imports a 500-SKU CSV with 3 bad rows: 497 imported, 3 reported by row and field; a re-import updates in place', async () => {
    const csv = catalogCsv({ products: 100, skusPerProduct: 5, bad: { 3: 'price_not_integer', 251: 'missing_code', 500: 'sale_above_list' } });
    const res = await h.http().post('/products/import').set(h.headers()).set('content-type', 'text/csv').send(csv);
    expect(res.status).toBe(200);
    expect(res.body.rows).toBe(500);
    expect(res.body.imported).toEqual({ products: 100, skus: 497 });
    expect(res.body.rejectedRows).toBe(3);
    expect(res.body.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [3, 'sale_price_fen'],
      [251, 'erp_sku_code'],
      [500, 'sale_price_fen'],
    ]);
    expect(await count(`SELECT count(*)::int AS n FROM catalog_sync.skus WHERE merchant_id = $1`)).toBe(497);
    expect(await count(`SELECT count(*)::int AS n FROM catalog_sync.products WHERE merchant_id = $1`)).toBe(100);
    const [p] = await h.db.dataSource.query(`SELECT title, description, attributes, images FROM catalog_sync.products WHERE external_key = 'SPU-1' AND merchant_id = $1`, [h.merchantId]);
    expect(p).toEqual({ title: '纯棉T恤, 款1', description: '舒适 "透气" 面料', attributes: { 品牌: 'Acme' }, images: ['https://img.example/1.jpg', 'https://img.example/2.jpg'] });

    const again = await h.http().post('/products/import').set(h.headers()).set('content-type', 'text/csv').send(csv);
    expect(again.body.imported).toEqual({ products: 100, skus: 497 });
    expect(await count(`SELECT count(*)::int AS n FROM catalog_sync.products WHERE merchant_id = $1`)).toBe(100);
    expect(await count(`SELECT count(*)::int AS n FROM catalog_sync.products WHERE merchant_id = $1 AND version = 2`)).toBe(100);
  });

  it('imports JSON and refuses to move an ERP code to another product', async () => {
    const rows = [
      { productKey: 'J-1', title: '毛巾', category: '1002', skus: [{ erpSkuCode: 'J-1-A', listPriceFen: 1000, salePriceFen: 900 }] },
      { productKey: 'J-2', title: '浴巾', category: '1002', skus: [{ erpSkuCode: 'SPU-1-1', listPriceFen: 1000, salePriceFen: 900 }, { erpSkuCode: 'J-2-A', listPriceFen: 1000, salePriceFen: 900 }] },
    ];
    const res = await h.http().post('/products/import').set(h.headers()).send(rows);
    expect(res.status).toBe(200);
    expect(res.body.imported).toEqual({ products: 2, skus: 2 });
    expect(res.body.errors).toEqual([{ row: 2, field: 'erp_sku_code', message: 'SPU-1-1 already belongs to product SPU-1' }]);
  });

  it('answers 400 for an unusable file and 415 for an unknown content type', async () => {
    const bad = await h.http().post('/products/import').set(h.headers()).set('content-type', 'text/csv').send('title\nx\n');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('missing column');
    const unknown = await h.http().post('/products/import').set(h.headers()).set('content-type', 'application/xml').send('<a/>');
    expect(unknown.status).toBe(415);
  });

  it.each([
    ['nested 100,000 deep', '[{"productKey":"D-1","title":"x","category":"1002","attributes":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}]', 'JSON file is nested deeper than 64 levels'],
    ['carrying __proto__', '[{"productKey":"P-1","title":"x","category":"1002","attributes":{"__proto__":{"polluted":true}},"skus":[]}]', 'property __proto__ should not exist'],
  ])('answers 400 for a raw JSON file (?format=json) %s and imports nothing', async (_case, body, message) => {
    const before = await count(`SELECT count(*)::int AS n FROM catalog_sync.products WHERE merchant_id = $1`);
    const res = await h.http().post('/products/import?format=json').set(h.headers()).set('content-type', 'application/octet-stream').send(Buffer.from(body));
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([message]);
    expect(await count(`SELECT count(*)::int AS n FROM catalog_sync.products WHERE merchant_id = $1`)).toBe(before);
  });
});
