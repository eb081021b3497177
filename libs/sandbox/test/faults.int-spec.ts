import { startSimulator, type DouyinSimulator, type TaobaoSimulator, type XiaohongshuSimulator } from '@app/sandbox';
import { douyinCall, taobaoCall, xhsCall } from '../src/testing/signed-clients';

describe('QPS limits and injected faults', () => {
  let douyin: DouyinSimulator;
  let taobao: TaobaoSimulator;
  let xhs: XiaohongshuSimulator;
  beforeEach(async () => {
    [douyin, taobao, xhs] = await Promise.all([startSimulator('douyin', { qps: 3, products: 1 }), startSimulator('taobao', { qps: 3, products: 1 }), startSimulator('xiaohongshu', { qps: 3, products: 1 })]);
  });
  afterEach(() => Promise.all([douyin.close(), taobao.close(), xhs.close()]));

  const douyinList = () => douyinCall(douyin.url, douyin.shop(), 'order.searchList', { page: 0, size: 10 });
  const taobaoGet = () => taobaoCall(taobao.url, taobao.shop(), 'taobao.item.seller.get', { fields: 'num_iid', num_iid: taobao.store.products.keys().next().value! });
  const xhsStock = () => xhsCall(xhs.url, xhs.shop(), 'inventory.getSkuStock', { skuId: xhs.store.skus.keys().next().value! });

  async function burst<T>(fn: () => Promise<T>, n: number): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(await fn());
    return out;
  }

  it('douyin: over the per-shop QPS -> code 60000 isv.traffic-limited', async () => {
    const res = await burst(douyinList, 8);
    const limited = res.filter((r) => r.body.code === 60000);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].body.sub_code).toBe('isv.traffic-limited');
    expect(res.filter((r) => r.body.code === 10000).length).toBeLessThanOrEqual(6);
  });

  it('taobao: over the per-shop QPS -> code 7 App Call Limited with the ban length', async () => {
    const res = await burst(taobaoGet, 8);
    const limited = res.filter((r) => r.body.error_response?.code === 7);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].body.error_response).toMatchObject({ msg: 'App Call Limited' });
    expect(limited[0].body.error_response.sub_msg).toMatch(/^This ban will last for \d+ more seconds$/);
  });

  it("xiaohongshu: over the per-shop QPS -> success:false with 'rate limit'", async () => {
    const res = await burst(xhsStock, 8);
    const limited = res.filter((r) => r.body.success === false);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].body.error_msg).toMatch(/rate limit/);
  });

  it('a per-API limit applies to one method only', async () => {
    douyin.setQps(null, 2);
    const res = await burst(douyinList, 5);
    expect(res.some((r) => r.body.code === 60000)).toBe(true);
    const other = await douyinCall(douyin.url, douyin.shop(), 'sku.detail', { sku_id: douyin.store.skus.keys().next().value! });
    expect(other.body.code).toBe(10000);
  });

  it.each([
    ['busy', 20000, 'isp.service-error'],
    ['rate_limited', 60000, 'isv.traffic-limited'],
    ['token_expired', 40003, 'isv.access-token-expired'],
    ['auth_revoked', 30001, 'dop.authorization-no-existed'],
    ['invalid_request', 40003, 'isv.parameter-invalid'],
  ] as const)('douyin failNext(%s) fails exactly the next call', async (fault, code, sub) => {
    douyin.setQps(null);
    douyin.failNext(fault, 1);
    expect((await douyinList()).body).toMatchObject({ code, sub_code: sub });
    expect((await douyinList()).body.code).toBe(10000);
  });

  it.each([
    ['busy', 15],
    ['rate_limited', 7],
    ['token_expired', 27],
    ['auth_revoked', 27],
    ['invalid_request', 41],
  ] as const)('taobao failNext(%s) -> error_response code %d', async (fault, code) => {
    taobao.setQps(null);
    taobao.failNext(fault, 2);
    expect((await taobaoGet()).body.error_response.code).toBe(code);
    expect((await taobaoGet()).body.error_response.code).toBe(code);
    expect((await taobaoGet()).body.item_seller_get_response).toBeDefined();
  });

  it.each([
    ['busy', /busy/],
    ['rate_limited', /rate limit/],
    ['token_expired', /token expired/],
    ['auth_revoked', /revoked/],
    ['invalid_request', /invalid parameter/],
  ] as const)('xiaohongshu failNext(%s)', async (fault, msg) => {
    xhs.setQps(null);
    xhs.failNext(fault);
    const res = await xhsStock();
    expect(res.body.success).toBe(false);
    expect(res.body.error_msg).toMatch(msg);
  });

  it('token calls are not consumed by failNext', async () => {
    douyin.failNext('busy');
    const token = await douyinCall(douyin.url, douyin.shop(), 'token.create', { code: '', grant_type: 'authorization_self', shop_id: douyin.shop().platformShopId });
    expect(token.body.code).toBe(10000);
    expect((await douyinList()).body.code).toBe(20000);
  });

  it('failNext with a method fails only that API; other calls pass and do not use it up', async () => {
    douyin.setQps(null);
    douyin.failNext('busy', 1, { method: 'sku.detail' });
    expect((await douyinList()).body.code).toBe(10000);
    const skuId = douyin.store.skus.keys().next().value!;
    expect((await douyinCall(douyin.url, douyin.shop(), 'sku.detail', { sku_id: skuId })).body.code).toBe(20000);
    expect((await douyinCall(douyin.url, douyin.shop(), 'sku.detail', { sku_id: skuId })).body.code).toBe(10000);
  });

  it('skip lets that many targeted calls through first (fail the second createSkuV2)', async () => {
    xhs.setQps(null);
    xhs.failNext('rate_limited', 1, { method: 'inventory.getSkuStock', skip: 1 });
    expect((await xhsStock()).body.success).toBe(true);
    expect((await xhsStock()).body.error_msg).toMatch(/rate limit/);
    expect((await xhsStock()).body.success).toBe(true);
  });

  it("phase 'after' runs the call (its effect stays) and answers with the fault: a lost create answer", async () => {
    douyin.setQps(null);
    douyin.failNext('busy', 1, { method: 'product.addV2', phase: 'after' });
    const before = douyin.store.products.size;
    const res = await douyinCall(douyin.url, douyin.shop(), 'product.addV2', {
      name: 'lost answer', outer_product_id: 'outer-lost-1', spec_prices: JSON.stringify([{ code: 'LOST-1', price: 100, stock_num: 1 }]),
    });
    expect(res.body.code).toBe(20000);
    expect(douyin.store.products.size).toBe(before + 1);
    expect(douyin.store.productByOuterId(douyin.shop().platformShopId, 'outer-lost-1')).toBeDefined();
    expect(douyin.faults.pending()).toEqual([]);
  });

  it('errorRate 1 answers every business call with the busy error', async () => {
    taobao.setFaults({ errorRate: 1 });
    const res = await taobaoGet();
    expect(res.body.error_response).toMatchObject({ code: 15, sub_code: 'isp.remote-service-unavailable' });
  });

  it("down '503' answers 503; down 'refused' drops the connection; lifting it restores service", async () => {
    douyin.setFaults({ down: '503' });
    expect((await douyinList()).status).toBe(503);
    douyin.setFaults({ down: 'refused' });
    await expect(douyinList()).rejects.toThrow();
    douyin.setFaults({ down: false });
    expect((await douyinList()).body.code).toBe(10000);
  });

  it('latency delays every answer', async () => {
    xhs.setFaults({ latencyMs: 150 });
    const t = Date.now();
    await xhsStock();
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('the admin API sets faults over HTTP', async () => {
    const post = (path: string, body: unknown) => fetch(`${douyin.url}/__admin/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('fail-next', { fault: 'busy', times: 1 })).status).toBe(200);
    expect((await douyinList()).body.code).toBe(20000);
    expect((await post('faults', { qps: null })).status).toBe(200);
    expect((await post('fail-next', { fault: 'nonsense' })).status).toBe(400);
    const targeted = await post('fail-next', { fault: 'rate_limited', method: 'sku.detail', phase: 'after', skip: 2 });
    expect(targeted.status).toBe(200);
    expect(((await targeted.json()) as { pending: unknown[] }).pending).toEqual([{ fault: 'rate_limited', remaining: 1, method: 'sku.detail', phase: 'after', skip: 2 }]);
    for (const [bad, field] of [[{ method: '' }, 'method'], [{ phase: 'later' }, 'phase'], [{ skip: -1 }, 'skip']] as const) {
      const res = await post('fail-next', { fault: 'busy', ...bad });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(field);
    }
    const stats = (await (await fetch(`${douyin.url}/__admin/stats`)).json()) as { rejected: Record<string, number> };
    expect(stats.rejected.busy).toBe(1);
  });
});
