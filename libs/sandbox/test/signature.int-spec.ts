import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGmt8 } from '@app/platforms/signing';
import { DouyinSimulator, SimError, TaobaoSimulator, XiaohongshuSimulator, startSimulator } from '@app/sandbox';
import { parseJsonObject } from '../src/core/lossless';
import { douyinCall, taobaoCall, xhsCall } from '../src/testing/signed-clients';

interface Vector {
  id: string;
  inputs: Record<string, any>;
  expectedSign: string;
}
const vectors: Vector[] = JSON.parse(readFileSync(join(__dirname, '../../testing/fixtures/sign-vectors.json'), 'utf8')).vectors;
const vector = (id: string) => vectors.find((v) => v.id === id)!;

function rejection(fn: () => unknown): SimError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('signature verification against sign-vectors.json', () => {
  let douyin: DouyinSimulator;
  let taobao: TaobaoSimulator;
  let xhs: XiaohongshuSimulator;

  beforeAll(async () => {
    [douyin, taobao, xhs] = await Promise.all([startSimulator('douyin', { qps: null }), startSimulator('taobao', { qps: null }), startSimulator('xiaohongshu', { qps: null })]);
  });
  afterAll(async () => {
    await Promise.all([douyin.close(), taobao.close(), xhs.close()]);
  });

  describe('douyin', () => {
    const douyinVectors = ['douyin-api-hmac-sha256', 'douyin-api-md5', 'douyin-api-nested-canonical', 'douyin-token-create'];

    it.each(douyinVectors)('%s: a request built from the vector is accepted', (id) => {
      const i = vector(id).inputs;
      const method = i.method as string;
      const parts = {
        path: `/${method.replace(/\./g, '/')}`,
        query: { app_key: i.app_key, method, timestamp: i.timestamp, v: i.v, sign_method: i.sign_method, sign: vector(id).expectedSign },
        rawBody: i.param_json,
      };
      expect(douyin.verify(parts, Number(i.timestamp) * 1000)).toMatchObject({ appKey: i.app_key, method, paramJson: i.param_json });
    });

    it.each(douyinVectors)('%s: a tampered body or sign is rejected as isv.signature-invalid', (id) => {
      const i = vector(id).inputs;
      const method = i.method as string;
      const base = {
        path: `/${method.replace(/\./g, '/')}`,
        query: { app_key: i.app_key, method, timestamp: i.timestamp, v: i.v, sign_method: i.sign_method, sign: vector(id).expectedSign },
        rawBody: i.param_json,
      };
      const now = Number(i.timestamp) * 1000;
      expect(rejection(() => douyin.verify({ ...base, rawBody: (i.param_json as string).replace('0', '1') }, now)).kind).toBe('signature_invalid');
      expect(rejection(() => douyin.verify({ ...base, query: { ...base.query, sign: 'f'.repeat(64) } }, now)).kind).toBe('signature_invalid');
    });

    it('the unsorted vector body is accepted with the sign of its sorted form (the gateway re-sorts, as the Java SDK needs); a changed value is not', () => {
      const v = vector('douyin-api-nested-canonical');
      const i = v.inputs;
      const parts = { path: '/sku/syncStockBatch', query: { app_key: i.app_key, method: i.method, timestamp: i.timestamp, v: '2', sign_method: 'hmac-sha256', sign: v.expectedSign }, rawBody: i.param_json_unsorted };
      expect(douyin.verify(parts, Number(i.timestamp) * 1000)).toMatchObject({ method: 'sku.syncStockBatch', paramJson: i.param_json_unsorted });
      const changed = { ...parts, rawBody: (i.param_json_unsorted as string).replace('"stock_num":15', '"stock_num":16') };
      expect(rejection(() => douyin.verify(changed, Number(i.timestamp) * 1000)).kind).toBe('signature_invalid');
    });

    it('over HTTP, a signed call is accepted and a tampered sign gets code 40003 isv.signature-invalid', async () => {
      const shop = douyin.shop();
      const ok = await douyinCall(douyin.url, shop, 'order.searchList', { page: 0, size: 10 });
      expect(ok.body).toMatchObject({ code: 10000, data: { page: 0, size: 10 } });
      const bad = await douyinCall(douyin.url, shop, 'order.searchList', { page: 0, size: 10 }, { sign: 'a'.repeat(64) });
      expect(bad.body).toMatchObject({ code: 40003, sub_code: 'isv.signature-invalid' });
      const md5 = await douyinCall(douyin.url, shop, 'order.searchList', { page: 0, size: 10 }, { signMethod: 'md5' });
      expect(md5.body.code).toBe(10000);
    });
  });

  describe('taobao', () => {
    it.each(['taobao-md5', 'taobao-hmac-md5', 'taobao-hmac-sha256'])('%s: the vector request is accepted, a tampered one is refused', (id) => {
      const v = vector(id);
      const params: Record<string, string> = { ...(v.inputs.params as Record<string, string>), sign: v.expectedSign };
      const now = parseGmt8(params.timestamp).getTime();
      expect(taobao.verify(params, now)).toMatchObject({ appKey: '12345678', method: 'taobao.trades.sold.increment.get' });
      expect(rejection(() => taobao.verify({ ...params, page_no: '2' }, now)).kind).toBe('signature_invalid');
      expect(rejection(() => taobao.verify({ ...params, sign: params.sign.replace(/.$/, '0') === params.sign ? params.sign.replace(/.$/, '1') : params.sign.replace(/.$/, '0') }, now)).kind).toBe('signature_invalid');
    });

    it('over HTTP, a tampered request gets error_response code 25 Invalid signature', async () => {
      const shop = taobao.shop();
      const ok = await taobaoCall(taobao.url, shop, 'taobao.item.seller.get', { fields: 'num_iid', num_iid: taobao.store.products.keys().next().value! });
      expect(ok.body.item_seller_get_response.item.num_iid).toBeDefined();
      const bad = await taobaoCall(taobao.url, shop, 'taobao.item.seller.get', { fields: 'num_iid', num_iid: '1' }, { mutate: (f) => (f.num_iid = '2') });
      expect(bad.body).toMatchObject({ error_response: { code: 25, msg: 'Invalid signature' } });
    });
  });

  describe('xiaohongshu', () => {
    it.each(['xiaohongshu-api', 'xiaohongshu-oauth'])('%s: the vector body verifies, a tampered one is refused', (id) => {
      const v = vector(id);
      const i = v.inputs;
      const body = parseJsonObject(JSON.stringify({ appId: i.appId, timestamp: i.timestamp, version: i.version, method: i.method, sign: v.expectedSign }));
      expect(xhs.verify(body)).toEqual({ appId: i.appId, method: i.method, timestamp: i.timestamp, version: i.version });
      expect(rejection(() => xhs.verify({ ...body, timestamp: '1717000001' })).kind).toBe('signature_invalid');
    });

    it('over HTTP, the exact vector body is accepted and a tampered sign gets success:false mentioning sign', async () => {
      const v = vector('xiaohongshu-api');
      const body = { ...v.inputs.body_example, sign: v.expectedSign };
      const res = await fetch(`${xhs.url}/ark/open_api/v3/common_controller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as { success: boolean; data: { total: number } };
      expect(json).toMatchObject({ success: true, error_code: 0, data: { pageNo: 1, pageSize: 50 } });
      const bad = await xhsCall(xhs.url, xhs.shop(), 'order.getOrderList', { startTime: 1716998200, endTime: 1717000000, timeType: 2 }, { sign: '0'.repeat(32) });
      expect(bad.body.success).toBe(false);
      expect(bad.body.error_msg).toMatch(/sign/);
    });
  });
});
