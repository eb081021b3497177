import { formatGmt8 } from '@app/platforms/signing';
import { startSimulator, type DouyinSimulator, type TaobaoSimulator, type XiaohongshuSimulator } from '@app/sandbox';
import { douyinCall, taobaoCall, xhsCall } from '../src/testing/signed-clients';

const SKU_A = '1770000000000000002';
const SKU_B = '1770000000000000003'; // same double as SKU_A: JSON.parse would confuse them
const PRODUCT = '3600000000000000001';

function stockOf(sim: { store: { skus: Map<string, { stock: number }> } }): Record<string, number> {
  return Object.fromEntries([...sim.store.skus].map(([id, s]) => [id, s.stock]));
}

describe('bad inputs get the platform error and change no state', () => {
  describe('douyin', () => {
    let sim: DouyinSimulator;
    beforeEach(async () => {
      sim = await startSimulator('douyin', { qps: null, products: 0, maxBodyBytes: 4096 });
      sim.seedProducts([{ productId: PRODUCT, skus: [{ skuId: SKU_A, skuCode: 'A', stock: 10, priceFen: 100, originalPriceFen: 200 }, { skuId: SKU_B, skuCode: 'B', stock: 20, priceFen: 100, originalPriceFen: 200 }] }]);
    });
    afterEach(() => sim.close());
    const stockBody = `{"incremental":false,"product_id":${PRODUCT},"sku_id":${SKU_B},"stock_num":5}`;

    it.each([
      ['wrong signature', { sign: '0'.repeat(64) }, 40003, 'isv.signature-invalid'],
      ['stale timestamp (> 10 min)', { timestamp: String(Math.floor(Date.now() / 1000) - 601) }, 40003, 'isv.timestamp-invalid'],
      ['timestamp in a bad format', { timestamp: 'yesterday' }, 40003, 'isv.timestamp-format-error'],
      ['missing access token', { accessToken: null }, 40001, 'isv.access-token-missing'],
      ['unknown access token', { accessToken: 'nope' }, 40003, 'isv.access-token-no-existed'],
    ] as const)('%s', async (_name, opts, code, subCode) => {
      const res = await douyinCall(sim.url, sim.shop(), 'sku.syncStock', {}, { rawBody: stockBody, ...opts });
      expect(res.body).toMatchObject({ code, sub_code: subCode });
      expect(stockOf(sim)).toEqual({ [SKU_A]: 10, [SKU_B]: 20 });
      expect(sim.requests()).toEqual([]);
    });

    it('unknown app key', async () => {
      const res = await douyinCall(sim.url, { appKey: '7000000000000000999', appSecret: 'x', accessToken: sim.shop().accessToken }, 'sku.syncStock', {}, { rawBody: stockBody });
      expect(res.body).toMatchObject({ code: 40003, sub_code: 'isv.app-id-invalid' });
      expect(stockOf(sim)).toEqual({ [SKU_A]: 10, [SKU_B]: 20 });
    });

    it('expired access token', async () => {
      sim.expireTokens();
      const res = await douyinCall(sim.url, sim.shop(), 'sku.syncStock', {}, { rawBody: stockBody });
      expect(res.body).toMatchObject({ code: 40003, sub_code: 'isv.access-token-expired' });
      expect(stockOf(sim)).toEqual({ [SKU_A]: 10, [SKU_B]: 20 });
    });

    it('malformed JSON (correctly signed)', async () => {
      const res = await douyinCall(sim.url, sim.shop(), 'sku.syncStock', {}, { rawBody: '{"sku_id":' });
      expect(res.body).toMatchObject({ code: 40003, sub_code: 'isv.parameter-format-invalid' });
      expect(sim.requests()).toEqual([]);
    });

    it('oversized body: HTTP 413 with the parameter error', async () => {
      const res = await douyinCall(sim.url, sim.shop(), 'sku.syncStock', { pad: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 40003, sub_code: 'isv.parameter-invalid' });
      expect(stockOf(sim)).toEqual({ [SKU_A]: 10, [SKU_B]: 20 });
    });

    it('19-digit ids are parsed exactly: only the named SKU changes', async () => {
      const res = await douyinCall(sim.url, sim.shop(), 'sku.syncStock', {}, { rawBody: stockBody });
      expect(res.body.code).toBe(10000);
      expect(stockOf(sim)).toEqual({ [SKU_A]: 10, [SKU_B]: 5 });
      expect(sim.requests('sku.syncStock')[0].params).toEqual({ incremental: false, product_id: PRODUCT, sku_id: SKU_B, stock_num: 5 });
    });

    it('a delta without idempotent_id is refused; a repeated idempotent_id is not applied twice', async () => {
      const delta = (idem?: string) => douyinCall(sim.url, sim.shop(), 'sku.syncStock', {}, { rawBody: `{${idem ? `"idempotent_id":"${idem}",` : ''}"incremental":true,"sku_id":${SKU_A},"stock_num":-3}` });
      expect((await delta()).body).toMatchObject({ code: 40002, sub_code: 'isv.parameter-missing' });
      expect((await delta('k1')).body.code).toBe(10000);
      expect((await delta('k1')).body).toMatchObject({ code: 40003, sub_code: 'isv.idempotent-id-existed' });
      expect(stockOf(sim)[SKU_A]).toBe(7);
    });
  });

  describe('taobao', () => {
    let sim: TaobaoSimulator;
    let numIid: string;
    let skuId: string;
    beforeEach(async () => {
      sim = await startSimulator('taobao', { qps: null, products: 0, maxBodyBytes: 4096 });
      sim.seedProducts([{ productId: '600000000001', skus: [{ skuId: '5000000000001', skuCode: 'A', stock: 10, priceFen: 100, originalPriceFen: 200 }] }]);
      numIid = '600000000001';
      skuId = '5000000000001';
    });
    afterEach(() => sim.close());
    const update = () => ({ num_iid: numIid, sku_id: skuId, quantity: '3', type: '1' });

    it.each([
      ['wrong signature', { sign: 'ABC' }, 25, 'Invalid signature'],
      ['stale timestamp (> 10 min, GMT+8)', { timestamp: formatGmt8(new Date(Date.now() - 11 * 60_000)) }, 31, 'Invalid timestamp'],
      ['timestamp not in GMT+8 string form', { timestamp: String(Date.now()) }, 31, 'Invalid timestamp'],
      ['missing session', { session: null }, 26, 'Missing session'],
      ['unknown session', { session: 'nope' }, 27, 'Invalid session'],
    ] as const)('%s', async (_n, opts, code, msg) => {
      const res = await taobaoCall(sim.url, sim.shop(), 'taobao.item.quantity.update', update(), opts);
      expect(res.body).toMatchObject({ error_response: { code, msg } });
      expect(sim.store.sku(skuId).stock).toBe(10);
      expect(sim.requests()).toEqual([]);
    });

    it('a timestamp 9 minutes off is still accepted', async () => {
      const res = await taobaoCall(sim.url, sim.shop(), 'taobao.item.quantity.update', update(), { timestamp: formatGmt8(new Date(Date.now() - 9 * 60_000)) });
      expect(res.body.item_quantity_update_response.item.skus.sku[0].quantity).toBe(3);
    });

    it('unknown app key: code 29', async () => {
      const res = await taobaoCall(sim.url, { appKey: '999', appSecret: 'x', accessToken: sim.shop().accessToken }, 'taobao.item.quantity.update', update());
      expect(res.body).toMatchObject({ error_response: { code: 29 } });
    });

    it('expired session: code 27 Invalid session', async () => {
      sim.expireTokens();
      const res = await taobaoCall(sim.url, sim.shop(), 'taobao.item.quantity.update', update());
      expect(res.body).toMatchObject({ error_response: { code: 27, msg: 'Invalid session', sub_code: 'session-expired' } });
      expect(sim.store.sku(skuId).stock).toBe(10);
    });

    it('oversized body: HTTP 413 with the invalid-arguments error', async () => {
      const res = await taobaoCall(sim.url, sim.shop(), 'taobao.item.quantity.update', { ...update(), pad: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ error_response: { code: 41 } });
      expect(sim.store.sku(skuId).stock).toBe(10);
    });

    it('19-digit tids are exact in requests and responses', async () => {
      const tid = '4000000000000000001';
      sim.seedOrders([{ platformOrderId: tid, status: 'paid', createdAt: new Date(), paidAt: new Date(), updatedAt: new Date(), items: [{ lineId: '4000000000000000002', productId: numIid, skuId, skuCode: 'A', title: 't', quantity: 1, unitPriceFen: 100 }], shippingFen: 0, discountFen: 0 }]);
      sim.seedOrders([{ platformOrderId: '4000000000000000000', status: 'paid', createdAt: new Date(), paidAt: new Date(), updatedAt: new Date(), items: [], shippingFen: 0, discountFen: 0 }]);
      const res = await taobaoCall(sim.url, sim.shop(), 'taobao.trade.fullinfo.get', { fields: 'tid,payment,orders', tid });
      expect(res.raw).toContain(`"tid":${tid}`);
      expect(res.body.trade_fullinfo_get_response.trade).toMatchObject({ tid, payment: '1.00' });
    });

    it('a delta cannot drive stock below 0', async () => {
      const res = await taobaoCall(sim.url, sim.shop(), 'taobao.item.quantity.update', { ...update(), quantity: '-11', type: '2' });
      expect(res.body).toMatchObject({ error_response: { code: 41 } });
      expect(sim.store.sku(skuId).stock).toBe(10);
    });
  });

  describe('xiaohongshu', () => {
    let sim: XiaohongshuSimulator;
    let skuId: string;
    beforeEach(async () => {
      sim = await startSimulator('xiaohongshu', { qps: null, products: 1, maxBodyBytes: 4096 });
      skuId = sim.store.skus.keys().next().value!;
    });
    afterEach(() => sim.close());

    it.each([
      ['wrong signature', { sign: '0'.repeat(32) }, /sign/],
      ['missing access token', { accessToken: null }, /accessToken/],
      ['unknown access token', { accessToken: 'nope' }, /accessToken invalid/],
      ['malformed JSON', { rawBody: '{"appId":' }, /malformed/],
    ] as const)('%s', async (_n, opts, msg) => {
      const before = sim.store.sku(skuId).stock;
      const res = await xhsCall(sim.url, sim.shop(), 'inventory.syncSkuStock', { skuId, qty: 1 }, opts);
      expect(res.body.success).toBe(false);
      expect(res.body.error_code).not.toBe(0);
      expect(res.body.error_msg).toMatch(msg);
      expect(sim.store.sku(skuId).stock).toBe(before);
      expect(sim.requests()).toEqual([]);
    });

    it('unknown appId', async () => {
      const res = await xhsCall(sim.url, { appKey: 'unknown', appSecret: 'x', accessToken: sim.shop().accessToken }, 'inventory.getSkuStock', { skuId });
      expect(res.body).toMatchObject({ success: false });
      expect(res.body.error_msg).toMatch(/appId/);
    });

    it("expired token: error_msg says 'token expired'", async () => {
      sim.expireTokens(sim.shop().platformShopId);
      const res = await xhsCall(sim.url, sim.shop(), 'inventory.getSkuStock', { skuId });
      expect(res.body.success).toBe(false);
      expect(res.body.error_msg).toMatch(/token expired/);
    });

    it('oversized body: HTTP 413 with a parameter error', async () => {
      const res = await xhsCall(sim.url, sim.shop(), 'inventory.syncSkuStock', { skuId, qty: 1, pad: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(res.body.success).toBe(false);
      expect(res.body.error_msg).toMatch(/invalid parameter/);
    });

    it('order.getOrderList refuses an update-time window over 30 minutes', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await xhsCall(sim.url, sim.shop(), 'order.getOrderList', { startTime: now - 1801, endTime: now, timeType: 2 });
      expect(res.body.success).toBe(false);
      const ok = await xhsCall(sim.url, sim.shop(), 'order.getOrderList', { startTime: now - 1800, endTime: now, timeType: 2 });
      expect(ok.body.success).toBe(true);
    });
  });
});
