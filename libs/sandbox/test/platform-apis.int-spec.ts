import { formatGmt8 } from '@app/platforms/signing';
import { startSimulator, type DouyinSimulator, type TaobaoSimulator, type XiaohongshuSimulator } from '@app/sandbox';
import { douyinCall, taobaoCall, xhsCall } from '../src/testing/signed-clients';

describe('platform APIs: paging, windows, lifecycle, units', () => {
  describe('douyin', () => {
    let sim: DouyinSimulator;
    beforeEach(async () => {
      sim = await startSimulator('douyin', { qps: null });
      await sim.burst({ count: 25 });
    });
    afterEach(() => sim.close());
    const call = (m: string, p: unknown) => douyinCall(sim.url, sim.shop(), m, p);

    it('order.searchList pages from 0 with size <= 100, newest update first', async () => {
      const now = Math.floor(Date.now() / 1000);
      const q = { update_time_start: now - 60, update_time_end: now + 1, order_by: 'update_time', order_asc: false, size: 10 };
      const pages = await Promise.all([0, 1, 2].map((page) => call('order.searchList', { ...q, page })));
      expect(pages.map((p) => p.body.data.shop_order_list.length)).toEqual([10, 10, 5]);
      expect(pages[0].body.data.total).toBe(25);
      const first = pages[0].body.data.shop_order_list[0];
      expect(first).toMatchObject({ order_status: 2, create_time: expect.any(Number) });
      expect(String(first.create_time)).toMatch(/^\d{10}$/);
      expect(Number.isInteger(first.pay_amount)).toBe(true);
      expect((await call('order.searchList', { ...q, page: 0, size: 101 })).body.code).toBe(40003);
    });

    it('ships a paid order once and refuses a refunded one', async () => {
      const [a, b] = sim.generatedOrders();
      expect((await call('order.logisticsAdd', { order_id: a.orderId, company_code: 'zto', logistics_code: 'ZT1' })).body.code).toBe(10000);
      expect(sim.store.order(a.orderId).status).toBe('shipped');
      sim.transitionOrder(b.orderId, 'refunded');
      const refused = await call('order.logisticsAdd', { order_id: b.orderId, company_code: 'zto', logistics_code: 'ZT2' });
      expect(refused.body.code).toBe(40003);
      expect(sim.store.order(b.orderId).status).toBe('refunded');
    });

    it('product.addV2 refuses product_format_new not in the SDK shape and keeps one that is', async () => {
      const spec_prices = JSON.stringify([{ code: 'F1', price: 990, stock_num: 1 }]);
      for (const wrong of ['{"材质":"棉"}', '{"785":"棉"}', '{"785":[{"name":"棉"}]}', '[]']) {
        const res = await call('product.addV2', { name: 'T', outer_product_id: 'OPF', spec_prices, product_format_new: wrong });
        expect(res.body).toMatchObject({ code: 40003, sub_code: 'isv.parameter-invalid', sub_msg: expect.stringContaining('product_format_new') });
      }
      expect(sim.store.productByOuterId(sim.shop().platformShopId, 'OPF')).toBeFalsy();
      const ok = await call('product.addV2', { name: 'T', outer_product_id: 'OPF', spec_prices, product_format_new: '{"1687":[{"diy_type":0,"name":"无品牌","value":596120136}],"785":[{"diy_type":0,"name":"棉75%","value":0}]}' });
      expect(ok.body.code).toBe(10000);
      expect(sim.store.productByOuterId(sim.shop().platformShopId, 'OPF')?.attributes).toEqual({ '1687': '无品牌', '785': '棉75%' });
    });

    it('product.addV2 creates SKUs from spec_prices; token.refresh returns a working pair after expiry', async () => {
      const add = await call('product.addV2', { name: 'T', outer_product_id: 'OP1', spec_prices: JSON.stringify([{ code: 'C1', price: 990, stock_num: 3, spec_detail_name1: '红' }]) });
      expect(add.body.code).toBe(10000);
      expect(add.body.data.sku[0]).toMatchObject({ code: 'C1', sku_id: expect.stringMatching(/^\d{19}$/) });
      expect(sim.store.sku(add.body.data.sku[0].sku_id)).toMatchObject({ stock: 3, priceFen: 990 });
      sim.expireTokens();
      const refresh = await douyinCall(sim.url, sim.shop(), 'token.refresh', { grant_type: 'refresh_token', refresh_token: sim.shop().refreshToken });
      expect(refresh.body.code).toBe(10000);
      const fresh = { ...sim.shop(), accessToken: refresh.body.data.access_token as string };
      expect((await douyinCall(sim.url, fresh, 'order.searchList', { page: 0, size: 1 })).body.code).toBe(10000);
    });
  });

  describe('taobao', () => {
    let sim: TaobaoSimulator;
    beforeEach(async () => {
      sim = await startSimulator('taobao', { qps: null });
      await sim.burst({ count: 5 });
    });
    afterEach(() => sim.close());
    const call = (m: string, p: Record<string, string>) => taobaoCall(sim.url, sim.shop(), m, p);

    it('trades.sold.increment.get: window <= 1 day, page_no from 1, modified desc, yuan strings', async () => {
      const end = new Date(Date.now() + 1000);
      const q = { fields: 'tid,status,payment,modified', start_modified: formatGmt8(new Date(end.getTime() - 3600_000)), end_modified: formatGmt8(end), page_size: '2' };
      const p1 = await call('taobao.trades.sold.increment.get', { ...q, page_no: '1' });
      const res = p1.body.trades_sold_increment_get_response;
      expect(res.total_results).toBe(5);
      expect(res.trades.trade).toHaveLength(2);
      expect(res.trades.trade[0]).toMatchObject({ status: 'WAIT_SELLER_SEND_GOODS', payment: expect.stringMatching(/^\d+\.\d{2}$/) });
      expect(res.trades.trade[0].modified >= res.trades.trade[1].modified).toBe(true);
      const tooWide = await call('taobao.trades.sold.increment.get', { ...q, start_modified: formatGmt8(new Date(end.getTime() - 86_401_000)) });
      expect(tooWide.body.error_response.code).toBe(41);
      expect((await call('taobao.trades.sold.increment.get', { ...q, page_no: '0' })).body.error_response.code).toBe(41);
    });

    it('logistics.offline.send refuses a refunded trade', async () => {
      const [o] = sim.generatedOrders();
      sim.transitionOrder(o.orderId, 'refunded');
      const res = await call('taobao.logistics.offline.send', { tid: o.orderId, out_sid: 'SF1', company_code: 'SF' });
      expect(res.body.error_response).toMatchObject({ code: 15 });
      expect(sim.store.order(o.orderId).status).toBe('refunded');
    });

    it('item.add then item.seller.get; quantity.update type 2 is a delta', async () => {
      const add = await call('taobao.item.add', { title: 'T', price: '19.90', num: '0', cid: '50000', outer_id: 'OP1', sku_properties: '1627207:1,1627207:2', sku_quantities: '5,6', sku_prices: '19.90,29.90', sku_outer_ids: 'C1,C2' });
      const numIid = add.body.item_add_response.item.num_iid as string;
      const item = (await call('taobao.item.seller.get', { fields: 'num_iid,skus', num_iid: numIid })).body.item_seller_get_response.item;
      expect(item.skus.sku.map((s: { outer_id: string; price: string }) => [s.outer_id, s.price])).toEqual([['C1', '19.90'], ['C2', '29.90']]);
      await call('taobao.item.quantity.update', { num_iid: numIid, outer_id: 'C1', quantity: '-2', type: '2' });
      expect(sim.store.skuByCode(sim.shop().platformShopId, 'C1').stock).toBe(3);
    });

    // no adapter calls the legacy coupon APIs today (issue 11 builds coupons on the marketing APIs); the
    // simulator keeps them as the platform documents them
    it('promotion.coupon.add takes a face value in yuan from 3/5/10/20/50/100; coupon.send reports each failed buyer', async () => {
      const window = { start_time: formatGmt8(new Date(Date.now() + 3_600_000)), end_time: formatGmt8(new Date(Date.now() + 90_000_000)) };
      const add = await call('taobao.promotion.coupon.add', { ...window, denominations: '20', condition: '199' });
      const couponId = String(add.body.promotion_coupon_add_response.coupon_id);
      expect(couponId).toMatch(/^\d+$/);
      expect((await call('taobao.promotion.coupon.add', { ...window, denominations: '7', condition: '100' })).body.error_response).toMatchObject({ code: 41 });
      const send = (await call('taobao.promotion.coupon.send', { coupon_id: couponId, buyer_nick: 'buyer-a,bad-buyer,buyer-b' })).body.promotion_coupon_send_response;
      expect(send.coupon_results.coupon_result.map((r: { buyer_nick: string }) => r.buyer_nick)).toEqual(['buyer-a', 'buyer-b']);
      expect(send.failure_buyers.error_message.map((r: { buyer_nick: string }) => r.buyer_nick)).toEqual(['bad-buyer']);
    });
  });

  describe('xiaohongshu', () => {
    let sim: XiaohongshuSimulator;
    beforeEach(async () => {
      sim = await startSimulator('xiaohongshu', { qps: null });
      await sim.burst({ count: 3 });
    });
    afterEach(() => sim.close());
    const call = (m: string, p: Record<string, unknown>) => xhsCall(sim.url, sim.shop(), m, p);

    it('getOrderList (timeType 2) lists summaries with ms times; getOrderDetail adds skuList in fen', async () => {
      const now = Math.floor(Date.now() / 1000);
      const list = (await call('order.getOrderList', { startTime: now - 600, endTime: now + 1, timeType: 2, pageNo: 1, pageSize: 2 })).body.data;
      expect(list).toMatchObject({ total: 3, pageNo: 1, pageSize: 2, maxPageNo: 2 });
      expect(String(list.orderList[0].updateTime)).toMatch(/^\d{13}$/);
      const detail = (await call('order.getOrderDetail', { orderId: list.orderList[0].orderId })).body.data;
      expect(detail.skuList.length).toBeGreaterThan(0);
      expect(Number.isInteger(detail.totalPayAmount)).toBe(true);
    });

    it('orderDeliver refuses a cancelled order; inventory inc/sync/get', async () => {
      const [o] = sim.generatedOrders();
      sim.transitionOrder(o.orderId, 'cancelled');
      const refused = await call('order.orderDeliver', { orderId: o.orderId, expressNo: 'X', expressCompanyCode: 'zto' });
      expect(refused.body.success).toBe(false);
      const skuId = sim.store.skus.keys().next().value!;
      await call('inventory.syncSkuStock', { skuId, qty: 10 });
      await call('inventory.incSkuStock', { skuId, qty: -4 });
      expect((await call('inventory.getSkuStock', { skuId })).body.data.skuStockInfo.available).toBe(6);
    });

    it('product.getDetailSkuList: by sku id with its item and prices in fen; by update time, newest first, paged', async () => {
      const skuIds = [...sim.store.skus.keys()];
      const one = (await call('product.getDetailSkuList', { id: skuIds[1] })).body.data;
      expect(one.total).toBe(1);
      const sku = sim.store.skus.get(skuIds[1])!;
      expect(one.data[0]).toMatchObject({
        item: { id: sku.productId },
        sku: { id: sku.skuId, itemId: sku.productId, price: sku.priceFen, originalPrice: sku.originalPriceFen, erpCode: sku.skuCode, stock: sku.stock },
      });
      await call('product.updateSkuPrice', { skuId: skuIds[1], price: [{ skuId: skuIds[1], price: 1234 }] });
      expect((await call('product.getDetailSkuList', { id: skuIds[1] })).body.data.data[0].sku.price).toBe(1234);
      expect((await call('product.getDetailSkuList', { id: 'no-such-sku' })).body.data).toMatchObject({ total: 0, data: [] });

      const now = Math.floor(Date.now() / 1000);
      const page1 = (await call('product.getDetailSkuList', { updateTimeFrom: now - 600, updateTimeTo: now + 1, pageNo: 1, pageSize: 2 })).body.data;
      expect(page1).toMatchObject({ pageNO: 1, pageSize: 2, total: skuIds.length });
      expect(page1.data[0].sku.id).toBe(skuIds[1]); // just updated: newest first
      const page2 = (await call('product.getDetailSkuList', { updateTimeFrom: now - 600, updateTimeTo: now + 1, pageNo: 2, pageSize: 2 })).body.data;
      expect(page2.data.map((e: { sku: { id: string } }) => e.sku.id)).not.toContain(skuIds[1]);
      expect((await call('product.getDetailSkuList', { updateTimeFrom: now + 3600 })).body.data.total).toBe(0);
      const tooBig = (await call('product.getDetailSkuList', { pageSize: 101 })).body;
      expect(tooBig.success).toBe(false);
      expect(tooBig.error_msg).toContain('pageSize');
    });
  });
});
