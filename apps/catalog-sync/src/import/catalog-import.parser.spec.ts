import { catalogCsv } from '../../test/integration/import-fixture';
import { ImportFileError, parseCatalogCsv, parseCatalogJson } from './catalog-import.parser';
import { parseCsv } from './csv';

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes and line breaks, CRLF and a BOM', () => {
    const text = '\ufeffa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n\r\nplain,,end\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['plain', '', 'end'] },
    ]);
  });

  it('rejects an unterminated quote', () => {
    expect(() => parseCsv('a\n"open')).toThrow(/unterminated/);
  });
});

describe('parseCatalogCsv', () => {
  it('reads 500 rows with 3 bad ones: 497 rows and 3 errors naming row, line and field (a bad first row keeps its product)', () => {
    const csv = catalogCsv({ products: 100, skusPerProduct: 5, bad: { 7: 'price_not_integer', 251: 'missing_code', 499: 'bad_spec' } });
    const r = parseCatalogCsv(csv);
    expect(r.total).toBe(500);
    expect(r.rows).toHaveLength(497);
    expect(r.errors.map((e) => [e.row, e.line, e.field])).toEqual([
      [7, 8, 'sale_price_fen'],
      [251, 252, 'erp_sku_code'],
      [499, 500, 'spec_values'],
    ]);
    const first = r.rows[0];
    expect(first).toMatchObject({
      row: 1,
      productKey: 'SPU-1',
      title: '纯棉T恤, 款1',
      description: '舒适 "透气" 面料',
      category: '1001',
      images: ['https://img.example/1.jpg', 'https://img.example/2.jpg'],
      attributes: { 品牌: 'Acme' },
      erpSkuCode: 'SPU-1-1',
      specValues: { 颜色: '色1', 尺码: 'M' },
      listPriceFen: 12900,
      salePriceFen: 9900,
      weightGrams: 250,
    });
    expect(r.rows.find((x) => x.erpSkuCode === 'SPU-51-2')).toMatchObject({ title: '纯棉T恤, 款51', category: '1001', attributes: { 品牌: 'Acme' } });
  });

  it('reports a sale price above the list price and a duplicate ERP code', () => {
    const csv = catalogCsv({ products: 1, skusPerProduct: 2, bad: { 2: 'sale_above_list' } }) + 'SPU-1,,,,,,SPU-1-1,,,100,100,\r\n';
    const r = parseCatalogCsv(csv);
    expect(r.errors).toEqual([
      { row: 2, line: 3, field: 'sale_price_fen', message: 'must not exceed list_price_fen' },
      { row: 3, line: 4, field: 'erp_sku_code', message: 'duplicate of row 1' },
    ]);
  });

  it('fails all rows of a product that has no title on any row', () => {
    const csv = 'product_key,category,erp_sku_code,list_price_fen,sale_price_fen\nK,1001,C1,100,90\nK,,C2,100,90\n';
    expect(parseCatalogCsv(csv).errors.map((e) => [e.row, e.field])).toEqual([
      [1, 'title'],
      [2, 'title'],
    ]);
  });

  it('rejects the whole file when a required column is missing or unknown', () => {
    expect(() => parseCatalogCsv('product_key,title\nK,T\n')).toThrow(ImportFileError);
    expect(() => parseCatalogCsv('product_key,erp_sku_code,list_price_fen,sale_price_fen,colour\n')).toThrow(/unknown column/);
  });
});

describe('parseCatalogJson', () => {
  it('reads products with nested SKUs, numbering SKU rows in file order', () => {
    const json = JSON.stringify([
      { productKey: 'P1', title: '毛巾', category: '1002', attributes: { 品牌: 'Acme' }, skus: [
        { erpSkuCode: 'P1-A', listPriceFen: 1000, salePriceFen: 900, specValues: { 颜色: '白' } },
        { erpSkuCode: 'P1-B', listPriceFen: '1000', salePriceFen: 'x' },
      ] },
      { product_key: 'P2', title: '浴巾', category: '1002', erp_sku_code: 'P2-A', list_price_fen: 2000, sale_price_fen: 1500 },
    ]);
    const r = parseCatalogJson(json);
    expect(r.rows.map((x) => [x.row, x.erpSkuCode, x.productKey])).toEqual([
      [1, 'P1-A', 'P1'],
      [3, 'P2-A', 'P2'],
    ]);
    expect(r.errors).toEqual([{ row: 2, field: 'sale_price_fen', message: 'must be a non-negative integer in fen, got "x"' }]);
  });

  it('rejects something that is not an array', () => {
    expect(() => parseCatalogJson('{"a":1}')).toThrow(ImportFileError);
    expect(() => parseCatalogJson('[')).toThrow(ImportFileError);
  });
});
