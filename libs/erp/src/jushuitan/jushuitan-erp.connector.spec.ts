import nock from 'nock';
import { UpstreamError } from '@app/contracts';
import { jushuitanSign } from '@app/platforms';
import { envelope, sampleOrder } from '../testing/erp-fixtures';
import { JST_ORDERS_UPLOAD_PATH, JushuitanErpConnector } from './jushuitan-erp.connector';
import { jstShopStatus } from './jushuitan.mapping';

const BASE = 'http://jst.test';
const CREDS = { appKey: 'jst-key', appSecret: 'jst-secret', accessToken: 'jst-token' };

function connector(extra: Partial<ConstructorParameters<typeof JushuitanErpConnector>[0]> = {}) {
  return new JushuitanErpConnector({ baseUrl: BASE, ...CREDS, timeoutMs: 1000, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

function formOf(body: unknown): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(String(body)));
}

describe('JushuitanErpConnector', () => {
  let c: JushuitanErpConnector;
  afterEach(() => {
    c?.onModuleDestroy();
    nock.cleanAll();
  });
  // nock patches node:http for the whole jest worker: deactivate it so the next suite in this worker gets its own
  afterAll(() => nock.restore());

  it('uploads a signed form whose biz is the mapped order list', async () => {
    c = connector({ shopIdMap: { '7001': 10086 } });
    const orders = [envelope(1), envelope(2)];
    let form: Record<string, string> = {};
    let contentType: unknown;
    nock(BASE)
      .post(JST_ORDERS_UPLOAD_PATH)
      .reply(function (_uri, body) {
        form = formOf(body);
        contentType = this.req.headers['content-type'];
        return [200, { code: 0, msg: '执行成功', data: { datas: [
          { o_id: 501, so_id: orders[1].order.platformOrderId, issuccess: true, msg: '执行成功' },
          { o_id: 500, so_id: orders[0].order.platformOrderId, issuccess: true, msg: 'duplicate: already uploaded' },
        ] } }];
      });

    const results = await c.pushOrders(orders);

    expect(String(contentType)).toMatch(/^application\/x-www-form-urlencoded/);
    expect(form).toMatchObject({ app_key: 'jst-key', access_token: 'jst-token', charset: 'utf-8', version: '2' });
    expect(Math.abs(Number(form.timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(form.sign).toBe(jushuitanSign(form, 'jst-secret'));
    // money is written as exact 2-decimal literals
    expect(form.biz).toContain('"pay_amount":199.07');
    expect(form.biz).toContain('"freight":8.00');
    const biz = JSON.parse(form.biz);
    expect(biz).toHaveLength(2);
    expect(biz[0]).toMatchObject({
      shop_id: 10086,
      so_id: orders[0].order.platformOrderId,
      order_date: '2024-05-29 10:00:00',
      shop_modified: '2024-05-29 10:00:06',
      shop_status: 'WAIT_SELLER_SEND_GOODS',
      shop_buyer_id: 'z***n',
      receiver_name: '张*',
      receiver_mobile: '138****0000',
      receiver_address: '浙江省杭州市西湖区****',
      is_cod: false,
      remark: `omnisync:${orders[0].idempotencyKey}`,
      pay: { pay_date: '2024-05-29 10:00:05', amount: 199.07, payment: 'douyin' },
    });
    expect(biz[0].items).toEqual([
      {
        sku_id: 'TSHIRT-RED-M',
        shop_sku_id: '1760000000000000001',
        shop_i_id: '3600000000000000001',
        amount: 191.07,
        base_price: 100.5,
        qty: 2,
        name: 'T-shirt red M',
        outer_oi_id: '6918123456789012346',
      },
    ]);

    expect(results).toEqual([
      { idempotencyKey: orders[0].idempotencyKey, ok: true, erpOrderId: '500', duplicate: true },
      { idempotencyKey: orders[1].idempotencyKey, ok: true, erpOrderId: '501', duplicate: false },
    ]);
  });

  it('maps canonical statuses to Taobao-style shop_status', () => {
    expect(jstShopStatus(sampleOrder({ status: 'pending_payment', paidAt: null }))).toBe('WAIT_BUYER_PAY');
    expect(jstShopStatus(sampleOrder({ status: 'partially_shipped' }))).toBe('WAIT_SELLER_SEND_GOODS');
    expect(jstShopStatus(sampleOrder({ status: 'shipped' }))).toBe('WAIT_BUYER_CONFIRM_GOODS');
    expect(jstShopStatus(sampleOrder({ status: 'completed' }))).toBe('TRADE_FINISHED');
    expect(jstShopStatus(sampleOrder({ status: 'refunded' }))).toBe('TRADE_CLOSED');
    expect(jstShopStatus(sampleOrder({ status: 'cancelled' }))).toBe('TRADE_CLOSED');
    expect(jstShopStatus(sampleOrder({ status: 'cancelled', paidAt: null }))).toBe('TRADE_CLOSED_BY_TAOBAO');
  });

  it('reports issuccess=false as invalid_request and a missing row as retryable', async () => {
    c = connector();
    const orders = [envelope(1), envelope(2)];
    nock(BASE)
      .post(JST_ORDERS_UPLOAD_PATH)
      .reply(200, { code: 0, msg: 'ok', data: { datas: [{ o_id: null, so_id: orders[0].order.platformOrderId, issuccess: false, msg: '店铺不存在' }] } });
    const [a, b] = await c.pushOrders(orders);
    expect(a.ok || b.ok).toBe(false);
    expect((a as { error: UpstreamError }).error.kind).toBe('invalid_request');
    expect((a as { error: UpstreamError }).error.message).toContain('店铺不存在');
    expect((b as { error: UpstreamError }).error.kind).toBe('retryable');
  });

  it.each([
    [10, 'invalid_request', undefined],
    [100, 'auth_expired', undefined],
    [110, 'auth_revoked', undefined],
    [140, 'retryable', undefined],
    [150, 'auth_revoked', undefined],
    [190, 'auth_revoked', undefined],
    [199, 'rate_limited', 1000],
    [200, 'rate_limited', 60_000],
    [9999, 'retryable', undefined],
  ] as const)('maps envelope code %i to %s', async (code, kind, retryAfterMs) => {
    c = connector();
    nock(BASE).post(JST_ORDERS_UPLOAD_PATH).reply(200, { code, msg: 'refused', data: null });
    const e = await rejection(c.pushOrders([envelope(1)]));
    expect(e.kind).toBe(kind);
    expect(e.details.code).toBe(String(code));
    expect(e.retryAfterMs).toBe(retryAfterMs);
  });

  it('maps HTTP failures like the generic connector (5xx retryable, 429 Retry-After)', async () => {
    c = connector();
    nock(BASE).post(JST_ORDERS_UPLOAD_PATH).reply(502, 'bad gateway');
    expect((await rejection(c.pushOrders([envelope(1)]))).kind).toBe('retryable');
    nock(BASE).post(JST_ORDERS_UPLOAD_PATH).reply(429, '', { 'Retry-After': '3' });
    const e = await rejection(c.pushOrders([envelope(1)]));
    expect(e.kind).toBe('rate_limited');
    expect(e.retryAfterMs).toBe(3000);
    nock(BASE).post(JST_ORDERS_UPLOAD_PATH).reply(200, '<html>gateway page</html>');
    expect((await rejection(c.pushOrders([envelope(1)]))).kind).toBe('retryable');
  });

  it('opens the breaker after repeated 5xx and then fails fast without an HTTP call', async () => {
    c = connector({ breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } });
    nock(BASE).post(JST_ORDERS_UPLOAD_PATH).times(3).reply(500, '');
    for (let i = 0; i < 3; i++) expect((await rejection(c.pushOrders([envelope(i)]))).kind).toBe('retryable');
    const untouched = nock(BASE).post(JST_ORDERS_UPLOAD_PATH).reply(200, { code: 0, msg: 'ok', data: { datas: [] } });
    const e = await rejection(c.pushOrders([envelope(9)]));
    expect(e.kind).toBe('circuit_open');
    expect(e.retryAfterMs).toBeGreaterThan(50_000);
    expect(untouched.isDone()).toBe(false);
  });

  it.each([
    ['cancelled', 'TRADE_CLOSED', undefined],
    ['refunded', 'TRADE_CLOSED', 'success'],
    ['refund_requested', 'WAIT_SELLER_SEND_GOODS', 'waiting'],
  ] as const)('intercepts %s as an upload with %s / refund_status %s', async (reason, shopStatus, refundStatus) => {
    c = connector();
    const o = envelope(1);
    let biz: Array<Record<string, unknown>> = [];
    nock(BASE)
      .post(JST_ORDERS_UPLOAD_PATH)
      .reply(function (_uri, body) {
        biz = JSON.parse(formOf(body).biz);
        return [200, { code: 0, msg: 'ok', data: { datas: [{ o_id: 500, so_id: o.order.platformOrderId, issuccess: true, msg: 'updated' }] } }];
      });
    await expect(c.intercept({ orderId: o.orderId, idempotencyKey: 'icpt-1', order: o.order, reason })).resolves.toEqual({ ok: true });
    expect(biz).toHaveLength(1);
    expect(biz[0].shop_status).toBe(shopStatus);
    expect(biz[0].remark).toBe('omnisync:icpt-1');
    expect((biz[0].items as Array<Record<string, unknown>>)[0].refund_status).toBe(refundStatus);
  });

  it('treats shipment notices as a no-op (no HTTP call)', async () => {
    c = connector();
    const untouched = nock(BASE).post(/.*/).reply(500, '');
    await expect(c.notifyShipment({ orderId: 'o', platformOrderId: 'p', outcome: 'shipped', message: '' })).resolves.toBeUndefined();
    expect(untouched.isDone()).toBe(false);
  });
});
