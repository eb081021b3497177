import { checkPlatformLimits, rulesOf, titleLength } from './platform-rules';
import type { ProductListing } from '@app/platforms';

describe('platform limits', () => {
  const listing = (over: Partial<ProductListing> = {}): ProductListing => ({
    outerProductId: 'p1',
    title: '春季纯棉T恤',
    description: '',
    images: ['https://img/1.jpg'],
    categoryId: '1001',
    attributes: { 品牌: 'Acme' },
    skus: [{ skuCode: 'A-1', specs: {}, priceFen: 9900, originalPriceFen: 12900, stock: 0 }],
    ...over,
  });

  it('counts Taobao titles in GBK bytes (CJK = 2)', () => {
    expect(titleLength('春季T恤', 'gbk_width')).toBe(7);
    expect(checkPlatformLimits('taobao', listing({ title: '好'.repeat(30) }))).toEqual([]);
    expect(checkPlatformLimits('taobao', listing({ title: '好'.repeat(31) })).map((v) => v.rule)).toEqual(['title_length']);
  });

  it('needs the Xiaohongshu sale price below the original price and within its maximum', () => {
    const sku = listing().skus[0];
    expect(checkPlatformLimits('xiaohongshu', listing({ skus: [{ ...sku, priceFen: 12900, originalPriceFen: 12900 }] })).map((v) => v.rule)).toEqual([
      'price_not_below_original',
    ]);
    expect(
      checkPlatformLimits('xiaohongshu', listing({ skus: [{ ...sku, priceFen: rulesOf('xiaohongshu').maxPriceFen! + 1, originalPriceFen: 99_999_999 }] })).map(
        (v) => v.rule,
      ),
    ).toEqual(['price_max']);
  });

  it('needs a positive price and the brand attribute on Taobao', () => {
    const sku = listing().skus[0];
    const v = checkPlatformLimits('taobao', listing({ attributes: {}, skus: [{ ...sku, priceFen: 0 }] }));
    expect(v.map((x) => [x.rule, x.field])).toEqual([
      ['required_attribute', 'attributes.品牌'],
      ['price_min', 'skus[A-1].salePriceFen'],
    ]);
  });
});
