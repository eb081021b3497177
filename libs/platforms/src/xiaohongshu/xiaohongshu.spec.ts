import { xhsError } from './xiaohongshu.errors';
import { XHS_ORDER_STATUS, xhsRefundStatus, xhsStatus } from './xiaohongshu.status';
import { xhsOrderToCanonical } from './xiaohongshu.mapper';
import { verifyXhsPush, xhsPushSign } from './xiaohongshu.push';
import { obj, parseBody } from '../http';
import type { ShopContext } from '../platform-adapter.port';

describe('xiaohongshu status map', () => {
  it.each([
    ['1', '1', 'pending_payment'],
    ['2', '1', 'paid'],
    ['3', '1', 'paid'],
    ['4', '1', 'paid'],
    ['5', '1', 'partially_shipped'],
    ['6', '1', 'shipped'],
    ['7', '1', 'completed'],
    ['8', '1', 'cancelled'],
    ['8', '3', 'refunded'],
    ['9', '1', 'cancelled'],
    ['10', '2', 'refunding'],
  ])('orderStatus %s / afterSales %s -> %s', (s, a, expected) => {
    expect(xhsStatus(s, a)).toBe(expected);
  });
  it('covers every documented code', () => {
    expect(Object.keys(XHS_ORDER_STATUS)).toHaveLength(10);
    expect(xhsRefundStatus('2')).toBe('requested');
    expect(xhsRefundStatus('4')).toBe('rejected');
  });
});

describe(xhsError.name, () => {
  it.each([
    ['accessToken已过期', 'auth_expired'],
    ['access token expired', 'auth_expired'],
    ['商家已取消授权', 'auth_revoked'],
    ['请求过于频繁', 'rate_limited'],
    ['系统繁忙，请稍后重试', 'retryable'],
    ['订单不存在', 'not_found'],
    ['签名校验失败', 'invalid_request'],
    ['参数错误', 'invalid_request'],
  ] as const)('%s -> %s', (msg, kind) => {
    expect(xhsError('1', msg, 1000).kind).toBe(kind);
  });
});

describe('xiaohongshu conversions', () => {
  it('reads list/detail times as milliseconds and money as fen', () => {
    const o = xhsOrderToCanonical({ shopId: 's' } as ShopContext, obj(parseBody('{"orderId":"P712345678901234567","orderStatus":4,"orderAfterSalesStatus":1,"createdTime":1717000000123,"paidTime":1717000001000,"updateTime":1717000002000,"totalPayAmount":3880,"totalShippingFree":800,"skuList":[{"skuId":"65abc","itemId":"64abc","erpcode":"E1","skuQuantity":2,"price":1990,"totalPaidAmount":3980}]}')));
    expect(o).toMatchObject({ platformOrderId: 'P712345678901234567', status: 'paid', createdAt: new Date(1717000000123).toISOString(), paidFen: 3880, shippingFen: 800, totalFen: 4780 });
    expect(o.items[0]).toMatchObject({ platformSkuId: '65abc', platformProductId: '64abc', erpSkuCode: 'E1', unitPriceFen: 1990 });
  });

  it('verifies our push signature and the 300 s window', async () => {
    const body = Buffer.from('[{"msgTag":"msg_after_sale_create","sellerId":"x","data":"{\\"returnsId\\":\\"R1\\",\\"orderId\\":\\"P1\\",\\"refundFee\\":12.5,\\"updateTime\\":1717000000000}"}]');
    const now = 1717000100_000;
    const ts = String(now / 1000);
    const headers = { 'app-key': 'k', timestamp: ts, sign: xhsPushSign('k', ts, body, 's') };
    const ok = await verifyXhsPush({ headers, rawBody: body }, async () => 's', now);
    expect(ok).toMatchObject({ ok: true, messages: [{ kind: 'refund', platformOrderId: 'P1', messageId: 'msg_after_sale_create-R1--1717000000000' }] });
    expect(await verifyXhsPush({ headers, rawBody: body }, async () => 's', now + 301_000)).toMatchObject({ ok: false });
    expect(await verifyXhsPush({ headers, rawBody: body }, async () => 'other', now)).toMatchObject({ ok: false });
  });
});
