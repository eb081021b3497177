import { createHash, createHmac } from 'node:crypto';
import { formatGmt8 } from '@app/platforms/signing';
import { SimError, startSimulator, type DouyinSimulator } from '@app/sandbox';
import type { SimShopConfig } from '../src/core/types';

/**
 * The Douyin simulator must accept every request the real gateway accepts, so each request here is built by the
 * rules of an official SDK, written out in this file (not with our signing code):
 *  - javaSdkRequest: doudian-sdk-java com/doudian/open/core/DefaultDoudianOpClient.java doRequest (URL pattern
 *    `?app_key&method&v=2&sign&timestamp&access_token`, no sign_method, access_token empty on token calls,
 *    timestamp String.valueOf(System.currentTimeMillis())), com/doudian/open/utils/JsonUtil.java (the body is
 *    `new GsonBuilder().create().toJson(param)`: declaration order, nulls left out, HTML-safe escaping) and
 *    com/doudian/open/utils/SignUtil.java sign (the body parsed, sortParamJson, written by a Gson with
 *    serializeNulls, MD5 of secret + "app_key" ... "v2" + secret).
 *  - goSdkRequest: zsmhub/doudian-sdk core/doudian_op_api_client.go Request (query app_key, method, timestamp =
 *    time.Now().Unix(), sign, v=2, sign_method=hmac-sha256, access_token when given) and utils/sign_util.go
 *    (Marshal: json.Marshal, decode into a map with UseNumber, encode with SetEscapeHTML(false), TrimSpace;
 *    Sign: HMAC-SHA256 keyed with the secret).
 */

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json | undefined };

interface BuiltRequest {
  path: string;
  query: Record<string, string>;
  body: string;
}

// ---- the Java SDK (Gson) ----

/** Gson JsonWriter.string with htmlSafe: \t \b \n \r \f short, other controls \u00xx, < > & = ' and U+2028/9 as \uXXXX */
function gsonQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\t': '\\t', '\b': '\\b', '\n': '\\n', '\r': '\\r', '\f': '\\f' };
    if (short[ch]) out += short[ch];
    else if (c < 0x20 || '<>&=\''.includes(ch) || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Gson toJson of a value: objects in their own (declaration) order; null members only with serializeNulls */
function gsonToJson(v: Json | undefined, serializeNulls: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return gsonQuote(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => gsonToJson(x, serializeNulls)).join(',')}]`;
  const members = Object.entries(v).filter(([, x]) => x !== undefined && (serializeNulls || x !== null));
  return `{${members.map(([k, x]) => `${gsonQuote(k)}:${gsonToJson(x, serializeNulls)}`).join(',')}}`;
}

const isObj = (v: Json | undefined): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** SignUtil.sortParamJson: sorted keys; an array is rebuilt from its objects only when its first element is one */
function sortParamJson(o: { [k: string]: Json | undefined }): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const key of Object.keys(o).sort()) {
    const v = o[key] as Json;
    if (isObj(v)) out[key] = sortParamJson(v);
    else if (Array.isArray(v) && v.length > 0 && isObj(v[0])) out[key] = v.filter(isObj).map(sortParamJson);
    else out[key] = v;
  }
  return out;
}

function withoutNulls(o: { [k: string]: Json | undefined }): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined) continue;
    out[k] = isObj(v) ? withoutNulls(v) : Array.isArray(v) ? v.map((x) => (isObj(x) ? withoutNulls(x) : x)) : v;
  }
  return out;
}

function javaSdkRequest(shop: SimShopConfig, method: string, param: { [k: string]: Json | undefined }, o: { token?: boolean; nowMs?: number } = {}): BuiltRequest {
  const paramJson = gsonToJson(param, false);
  const timestamp = String(o.nowMs ?? Date.now());
  // SignUtil parses the body Gson wrote (JsonParser) and sorts it; the param object without its null members (Gson
  // left them out of the body) stands in for that parse, so 19-digit ids stay exact
  const sorted = gsonToJson(sortParamJson(withoutNulls(param)), true);
  const sign = createHash('md5').update(`${shop.appSecret}app_key${shop.appKey}method${method}param_json${sorted}timestamp${timestamp}v2${shop.appSecret}`, 'utf8').digest('hex');
  const path = `/${method.replace(/\./g, '/')}`;
  return { path, query: { app_key: shop.appKey, method, v: '2', sign, timestamp, access_token: o.token === false ? '' : shop.accessToken }, body: paramJson };
}

// ---- the Go SDK (encoding/json) ----

/** encoding/json with SetEscapeHTML(false): \b \f \n \r \t short, other controls \u00xx, U+2028/9 escaped, rest literal */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** utils.Marshal: every object became a map[string]interface{}, which encoding/json writes with sorted keys */
function goMarshal(v: Json | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(',')}]`;
  const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
  return `{${keys.map((k) => `${goQuote(k)}:${goMarshal(v[k])}`).join(',')}}`;
}

function goSdkRequest(shop: SimShopConfig, method: string, param: { [k: string]: Json | undefined }, o: { token?: boolean; nowMs?: number } = {}): BuiltRequest {
  const paramJson = goMarshal(param);
  const timestamp = String(Math.floor((o.nowMs ?? Date.now()) / 1000));
  const sign = createHmac('sha256', shop.appSecret).update(`${shop.appSecret}app_key${shop.appKey}method${method}param_json${paramJson}timestamp${timestamp}v2${shop.appSecret}`, 'utf8').digest('hex');
  const query: Record<string, string> = { app_key: shop.appKey, method, timestamp, sign, v: '2', sign_method: 'hmac-sha256' };
  if (o.token !== false) query.access_token = shop.accessToken;
  return { path: `/${method.replace(/\./g, '/')}`, query, body: paramJson };
}

async function send(sim: DouyinSimulator, r: BuiltRequest): Promise<any> {
  const res = await fetch(`${sim.url}${r.path}?${new URLSearchParams(r.query)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: r.body });
  return res.json();
}

function rejection(fn: () => unknown): SimError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

const BUILDERS = [
  ['Java SDK', javaSdkRequest],
  ['Go SDK', goSdkRequest],
] as const;

describe('douyin simulator: requests as the official SDKs build them', () => {
  let sim: DouyinSimulator;
  beforeAll(async () => {
    sim = await startSimulator('douyin', { qps: null, products: 0 });
  });
  afterAll(() => sim.close());

  // a remark with everything the two SDKs escape differently: HTML characters (Gson only), U+2028/9 (both), a tab
  const remark = '第一行\u2028第二行\u2029<b>&amp;</b> a=\'1\'\t/x';

  it.each(BUILDERS)('%s: order.searchList in declaration order is accepted', async (_name, build) => {
    const body = await send(sim, build(sim.shop(), 'order.searchList', { size: 10, page: 0, order_by: 'update_time', order_asc: false, update_time_start: 1716990000, update_time_end: 1717000000 }));
    expect(body).toMatchObject({ code: 10000, data: { page: 0, size: 10 } });
  });

  it.each(BUILDERS)('%s: token.create (no or an empty access_token) is accepted', async (_name, build) => {
    const body = await send(sim, build(sim.shop(), 'token.create', { grant_type: 'authorization_self', code: '', shop_id: sim.shop().platformShopId }, { token: false }));
    expect(body).toMatchObject({ code: 10000, data: { access_token: sim.shop().accessToken } });
  });

  it.each(BUILDERS)('%s: strings with HTML characters, U+2028/U+2029 and a tab verify, and the value arrives intact', async (_name, build) => {
    const r = build(sim.shop(), 'order.addOrderRemark', { order_id: '6900000000000000001', remark, is_add_star: false });
    const v = sim.verify({ path: r.path, query: r.query, rawBody: r.body });
    expect(JSON.parse(v.paramJson).remark).toBe(remark);
  });

  it.each(BUILDERS)('%s: nested lists of objects (unsorted inside) verify', async (_name, build) => {
    const r = build(sim.shop(), 'sku.syncStockBatch', {
      product_id: 3600000000000000001n,
      incremental: false,
      idempotent_id: '',
      sku_sync_list: [
        { stock_num: 15, sku_type: 0, sku_id: 1770000000000000002n, stock_map: [{ stock_num: 1, out_warehouse_id: 'w1' }] },
        { sku_id: 1770000000000000001n, stock_num: 0, sku_type: 0 },
      ],
    });
    expect(sim.verify({ path: r.path, query: r.query, rawBody: r.body }).method).toBe('sku.syncStockBatch');
  });

  it.each(BUILDERS)('%s: a body changed after signing is refused as isv.signature-invalid', async (_name, build) => {
    const r = build(sim.shop(), 'order.searchList', { size: 10, page: 0 });
    const body = await send(sim, { ...r, body: r.body.replace('10', '11') });
    expect(body).toMatchObject({ code: 40003, sub_code: 'isv.signature-invalid' });
  });

  it('accepts the timestamp forms the SDKs send: seconds (Go), milliseconds (Java), yyyy-MM-dd HH:mm:ss UTC+8 (Python)', () => {
    const now = 1717000000_000;
    const shop = sim.shop();
    const java = javaSdkRequest(shop, 'order.searchList', { page: 0 }, { nowMs: now });
    expect(java.query.timestamp).toBe('1717000000000');
    expect(sim.verify({ path: java.path, query: java.query, rawBody: java.body }, now).timestampSec).toBe(1717000000);
    const go = goSdkRequest(shop, 'order.searchList', { page: 0 }, { nowMs: now });
    expect(sim.verify({ path: go.path, query: go.query, rawBody: go.body }, now).timestampSec).toBe(1717000000);
    // the Python SDK (minibear2021/doudian core.py) signs the date string as sent
    const date = formatGmt8(new Date(now));
    const py = goSdkRequest(shop, 'order.searchList', { page: 0 }, { nowMs: now });
    const pySign = createHmac('sha256', shop.appSecret).update(`${shop.appSecret}app_key${shop.appKey}methodorder.searchListparam_json${py.body}timestamp${date}v2${shop.appSecret}`).digest('hex');
    expect(sim.verify({ path: py.path, query: { ...py.query, timestamp: date, sign: pySign }, rawBody: py.body }, now).timestampSec).toBe(1717000000);
    // milliseconds are held to the same skew as seconds
    expect(rejection(() => sim.verify({ path: java.path, query: java.query, rawBody: java.body }, now + 601_000)).kind).toBe('timestamp_invalid');
  });

  it('refuses a body that carries U+2028 raw and is signed over those raw bytes (the SDKs sign \\u2028)', () => {
    const shop = sim.shop();
    const body = `{"order_id":"6900000000000000001","remark":"a\u2028b"}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = createHmac('sha256', shop.appSecret).update(`${shop.appSecret}app_key${shop.appKey}methodorder.addOrderRemarkparam_json${body}timestamp${timestamp}v2${shop.appSecret}`).digest('hex');
    const query = { app_key: shop.appKey, method: 'order.addOrderRemark', timestamp, v: '2', sign_method: 'hmac-sha256', sign };
    expect(rejection(() => sim.verify({ path: '/order/addOrderRemark', query, rawBody: body })).kind).toBe('signature_invalid');
  });
});
