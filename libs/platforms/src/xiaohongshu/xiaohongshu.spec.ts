import { createHash } from 'node:crypto';
import { xhsError } from './xiaohongshu.errors';
import { XHS_ORDER_STATUS, xhsRefundStatus, xhsStatus } from './xiaohongshu.status';
import { xhsDiscounts, xhsOrderToCanonical } from './xiaohongshu.mapper';
import { verifyXhsPush, xhsPushStringToSign } from './xiaohongshu.push';
import { obj, parseBody } from '../http';
import type { PushRequest, ShopContext } from '../platform-adapter.port';

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

  describe('push signature (ledccn/ledc-xiao-hong-shu Config::verifyNotifySignature)', () => {
    const body = Buffer.from('[{"msgTag":"msg_after_sale_create","sellerId":"x","data":"{\\"returnsId\\":\\"R1\\",\\"orderId\\":\\"P1\\",\\"refundFee\\":12.5,\\"updateTime\\":1717000000000}"}]');
    const now = 1717000100_000;
    const ts = String(now / 1000);
    // the string written out by hand from the SDK: path ? sorted app-key, query and timestamp (no sign, no empty values) + secret
    const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
    const sign = md5(`/webhooks/xiaohongshu?app-key=k&shop=小店&timestamp=${ts}s`);
    const req = (over: Partial<PushRequest> = {}): PushRequest => ({
      headers: { 'app-key': 'k', timestamp: ts, sign },
      rawBody: body,
      path: '/webhooks/xiaohongshu',
      query: { shop: '小店', empty: '' },
      ...over,
    });

    it('accepts MD5(path ? sorted app-key, query, timestamp + secret), whatever the body', async () => {
      expect(await verifyXhsPush(req(), async () => 's', now)).toMatchObject({ ok: true, messages: [{ kind: 'refund', platformOrderId: 'P1', messageId: 'msg_after_sale_create-R1--1717000000000' }] });
      expect(xhsPushStringToSign('/webhooks/xiaohongshu', { timestamp: ts, 'app-key': 'k', shop: '小店', empty: '', sign: 'x' }, 's')).toBe(`/webhooks/xiaohongshu?app-key=k&shop=小店&timestamp=${ts}s`);
      // the body is not signed: another body under the same headers still verifies (it must parse, though)
      expect(await verifyXhsPush(req({ rawBody: Buffer.from('[]') }), async () => 's', now)).toEqual({ ok: true, messages: [] });
    });

    it('rejects another path, another query value, another secret and a timestamp 301 s off', async () => {
      expect(await verifyXhsPush(req({ path: '/webhooks/other' }), async () => 's', now)).toMatchObject({ ok: false, status: 401, reason: 'sign mismatch' });
      expect(await verifyXhsPush(req({ query: { shop: '别的店' } }), async () => 's', now)).toMatchObject({ ok: false, status: 401 });
      expect(await verifyXhsPush(req(), async () => 'other', now)).toMatchObject({ ok: false, status: 401 });
      expect(await verifyXhsPush(req(), async () => 's', now + 301_000)).toMatchObject({ ok: false, reason: expect.stringContaining('timestamp') });
    });

    it('the old MD5(appKey + timestamp + body + secret) no longer verifies', async () => {
      const legacy = md5(`k${ts}${body.toString('utf8')}s`);
      expect(await verifyXhsPush(req({ headers: { 'app-key': 'k', timestamp: ts, sign: legacy } }), async () => 's', now)).toMatchObject({ ok: false, reason: 'sign mismatch' });
    });

    it('cannot verify without the request path (a gateway bug, answered 503 so the platform retries)', async () => {
      await expect(verifyXhsPush(req({ path: undefined }), async () => 's', now)).rejects.toThrow(/request path/);
    });
  });
});

describe('xhsDiscounts (order.getOrderDetail amounts by payer)', () => {
  it('merchant / platform / payment-channel amounts, fen, none named a coupon (Xiaohongshu has no coupon id)', () => {
    const lines = xhsDiscounts({ totalMerchantDiscount: 800, totalRedDiscount: 200, outPromotionAmount: 0 });
    expect(lines.map((l) => [l.kind, l.bearer, l.amountFen, l.platformCouponId])).toEqual([
      ['other', 'shop', 800, null],
      ['subsidy', 'platform', 200, null],
    ]);
  });
});
