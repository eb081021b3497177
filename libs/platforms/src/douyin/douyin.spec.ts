import { douyinError } from './douyin.errors';
import { douyinExpiry } from './douyin.protocol';
import { DOUYIN_ORDER_STATUS, douyinStatus } from './douyin.status';
import { douyinOrderToCanonical } from './douyin.mapper';
import { obj, parseBody } from '../http';
import { canonicalJson, RawNumber } from '../signing';
import type { ShopContext } from '../platform-adapter.port';

const shop = { shopId: 's1', platform: 'douyin' } as ShopContext;

describe('douyin status map', () => {
  it.each([
    ['1', 'pending_payment'],
    ['105', 'paid'],
    ['2', 'paid'],
    ['101', 'partially_shipped'],
    ['3', 'shipped'],
    ['4', 'cancelled'],
    ['5', 'completed'],
  ])('order_status %s -> %s', (code, status) => {
    expect(douyinStatus(code)).toBe(status);
  });
  it.each(['21', '22', '39'])('main_status %s (refunded) wins over order_status', (main) => {
    expect(douyinStatus('4', main)).toBe('refunded');
  });
  it('covers every documented order_status and rejects unknown ones', () => {
    expect(Object.keys(DOUYIN_ORDER_STATUS).sort()).toEqual(['1', '101', '105', '2', '3', '4', '5']);
    expect(() => douyinStatus('77')).toThrow(/unknown/);
  });
});

describe(douyinError.name, () => {
  it.each([
    [20000, 'isp.service-error:1', 'retryable'],
    [90000, 'dop.unknown-error', 'retryable'],
    [60000, 'isv.traffic-limited', 'rate_limited'],
    [40003, 'isv.access-token-expired', 'auth_expired'],
    [30001, 'dop.authorization-no-existed', 'auth_revoked'],
    [30001, 'dop.authorization-closed', 'auth_revoked'],
    [30001, 'dop.no-permissions', 'invalid_request'],
    [40001, 'isv.parameter-missing', 'invalid_request'],
    [40002, 'isv.parameter-missing:1', 'invalid_request'],
    [40003, 'isv.signature-invalid', 'invalid_request'],
    [40003, 'isv.access-token-no-existed', 'invalid_request'],
    [50001, 'dop.token-generate-failed:token-expired', 'auth_revoked'],
    [40004, 'isv.business-failed:order-not-exist', 'not_found'],
  ] as const)('%i %s -> %s', (code, sub, kind) => {
    const e = douyinError(code, sub, '', 1500);
    expect(e.kind).toBe(kind);
    expect(e.details).toMatchObject({ code: String(code), subCode: sub });
    if (kind === 'rate_limited') expect(e.retryAfterMs).toBe(1500);
  });
});

describe('douyin conversions', () => {
  it('reads expires_in as a duration or, above 10^9, as an absolute time', () => {
    expect(douyinExpiry(3600, 1_000_000).getTime()).toBe(1_000_000 + 3_600_000);
    expect(douyinExpiry(1_800_000_000).getTime()).toBe(1_800_000_000_000);
  });

  it('keeps 19-digit ids exact through parse -> canonical order -> canonical JSON', () => {
    const text = '{"order_id":"4900000000000000123","order_status":2,"create_time":1717000000,"update_time":1717000060,"pay_time":1717000030,"order_amount":4080,"pay_amount":3980,"post_amount":100,"promotion_amount":100,"sku_order_list":[{"order_id":"4900000000000000124","product_id":3600000000000000011,"sku_id":1760000000000000021,"out_sku_id":"ERP-1","item_num":2,"goods_price":1990,"pay_amount":3980}]}';
    const o = douyinOrderToCanonical(shop, obj(parseBody(text)));
    expect(o.items[0].platformProductId).toBe('3600000000000000011');
    expect(o.items[0].platformSkuId).toBe('1760000000000000021');
    expect(o).toMatchObject({ platformOrderId: '4900000000000000123', status: 'paid', totalFen: 4080, paidFen: 3980, shippingFen: 100, updatedAt: new Date(1717000060_000).toISOString() });
    expect(canonicalJson({ sku_id: new RawNumber(o.items[0].platformSkuId) })).toBe('{"sku_id":1760000000000000021}');
    expect(String(Number('1760000000000000021'))).not.toBe('1760000000000000021'); // why ids never pass through a double
  });

  it("carries the order's shop_id (exact) as platformShopId, and leaves it out when the answer has none", () => {
    const base = '"order_id":"4900000000000000125","order_status":2,"create_time":1717000000,"update_time":1717000060,"sku_order_list":[]';
    expect(douyinOrderToCanonical(shop, obj(parseBody(`{${base},"shop_id":7700000000000000001}`))).platformShopId).toBe('7700000000000000001');
    expect(douyinOrderToCanonical(shop, obj(parseBody(`{${base}}`))).platformShopId).toBeUndefined();
  });
});
