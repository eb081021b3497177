import type { IncomingMessage } from 'node:http';
import { canonicalJson, rawNumber } from '@app/platforms/signing';
import { kuaishouAppSecret, kuaishouSecretProblems, kuaishouSecrets } from '@app/platforms/kuaishou/kuaishou.credentials';
import { ksEncryptPush } from '@app/platforms/kuaishou/kuaishou.push';
import { kuaishouSign, type KuaishouSignMethod } from '@app/platforms/kuaishou/kuaishou.sign';
import type { IdFactory } from '../core/ids';
import { intParam, parseJsonObject, requireInt, requireStr, strParam } from '../core/lossless';
import type { PushEncoding } from '../core/push-delivery';
import { SimError, type SimErrorKind } from '../core/sim-error';
import { PlatformSimulator, type ParsedCall } from '../core/simulator';
import { lineGoodsFen, orderPaidFen, type IdScheme, type ShopState } from '../core/store';
import type { SimOrder, SimOrderEvent, SimProduct, SimShopConfig, SimSku, SimulatorOptions } from '../core/types';
import { ksCouponCreate, ksCouponOver, ksCouponPageList, ksCouponStatistic, ksCouponStockAdd } from './kuaishou.coupons';

export const KS_DEMO_SHOP: SimShopConfig = {
  platformShopId: 'f0c1e2d3a4b5c6d7e8f9a0b1c2d3e4f5', // the seller's open_id
  appKey: 'ks658263512345678901',
  appSecret: kuaishouAppSecret({ appSecret: 'ks_test_app_secret_0001', signSecret: 'ks_test_sign_secret_0001', messageKey: 'a3VhaXNob3UtbXNnLWtleS0wMTIzNDU2Nzg5YWJjZGU=' }),
  accessToken: 'ChFvYXV0aC5hY2Nlc3NUb2tlbhJg-0001',
  refreshToken: 'ChJvYXV0aC5yZWZyZXNoVG9rZW4S-0001',
  tokenTtlSec: 172_800, // 48 h
  shopName: '快手演示小店',
};

/** the gateway: /open/<method path>, plus the OAuth endpoints */
export const KS_GATEWAY_PATH = '/open/';
const TOKEN_PATHS: Record<string, string> = { '/oauth2/access_token': 'oauth2.access_token', '/oauth2/refresh_token': 'oauth2.refresh_token' };
const SIGNED = ['appkey', 'method', 'version', 'param', 'access_token', 'timestamp', 'signMethod', 'sign'];
const MAX_SKEW_MS = 10 * 60_000;
const SEVEN_DAYS_MS = 7 * 86_400_000;
const NINETY_DAYS_MS = 90 * 86_400_000;
const MAX_STOCK = 9_999_999;
export const KS_NO_MORE = 'nomore';

/** API error envelopes `{result, error_msg}` (MARKETING-KUAISHOU-ALERTS.md 2.3; codes without a public table are ours) */
const API_ERRORS: Record<SimErrorKind, { result: number; msg: string }> = {
  app_key_missing: { result: 10, msg: 'appkey参数缺失' },
  app_key_invalid: { result: 10, msg: 'appkey无效' },
  signature_missing: { result: 28, msg: 'sign参数缺失' },
  signature_invalid: { result: 28, msg: '签名验证失败' },
  timestamp_invalid: { result: 29, msg: 'timestamp无效' },
  method_invalid: { result: 11, msg: 'method无效' },
  token_missing: { result: 12, msg: 'access_token为空' },
  token_invalid: { result: 24, msg: 'access_token无效' },
  token_expired: { result: 24, msg: 'access_token已过期' },
  auth_revoked: { result: 22, msg: '授权已取消' },
  rate_limited: { result: 802000, msg: 'Exceed qps limit' },
  busy: { result: 500, msg: '服务端异常,请稍后重试' },
  param_missing: { result: 400, msg: '参数错误' },
  param_invalid: { result: 400, msg: '参数错误' },
  malformed: { result: 400, msg: '参数错误: 请求体格式错误' },
  too_large: { result: 400, msg: '参数错误: 请求体过大' },
  not_found: { result: 40001, msg: '数据不存在' },
  business: { result: 40002, msg: '业务校验失败' },
};

const STATUS: Record<SimOrder['status'], number> = { pending_payment: 10, paid: 30, shipped: 40, completed: 70, cancelled: 80, refunded: 80 };
const EVENT: Record<SimOrderEvent, string> = {
  created: 'kwaishop_order_addOrder',
  paid: 'kwaishop_order_paySuccess',
  shipped: 'kwaishop_order_delivering',
  completed: 'kwaishop_order_orderSuccess',
  cancelled: 'kwaishop_order_orderFail',
  refunded: 'kwaishop_order_orderFail',
};

function id(v: string): unknown {
  return /^\d{1,19}$/.test(v) ? rawNumber(v) : v;
}

/**
 * Kuaishou (快手小店) simulator: {base}/open/<method with dots as slashes>, application/x-www-form-urlencoded
 * (GET query or POST body) with appkey, method, version=1, param (JSON), access_token, timestamp (ms),
 * signMethod (MD5 / HMAC_SHA256) and sign keyed with the app's signSecret; `{result: 1, data}` or
 * `{result, error_msg}`. OAuth at /oauth2/access_token and /oauth2/refresh_token: each refresh rotates the refresh
 * token (the new one keeps the old one's expiry, the used one answers `refreshToken.discarded`). Pushes: one
 * AES-CBC encrypted message per POST, no signature, acknowledged by `{"result":1}`. Money fen, times ms.
 * Merchant coupons (open.promotion.coupon.create / over / page.list / stock.add): kuaishou.coupons.ts.
 */
export class KuaishouSimulator extends PlatformSimulator {
  readonly platform = 'kuaishou' as const;
  /** refresh tokens already exchanged (answered refreshToken.discarded) */
  private readonly usedRefreshTokens = new Set<string>();

  constructor(opts: SimulatorOptions = {}) {
    // Kuaishou pushes one message per POST
    super({ ...opts, pushBatchSize: 1 }, [KS_DEMO_SHOP]);
  }

  protected idScheme(ids: IdFactory): IdScheme {
    return {
      orderId: () => ids.numeric('24', 19),
      lineId: () => ids.numeric('25', 19),
      productId: () => ids.numeric('18', 19),
      skuId: () => ids.numeric('19', 19),
      couponId: () => ids.numeric('26', 19),
      messageId: () => ids.numeric('27', 19),
    };
  }

  // open.kwaixiaodian.com/oauth/authorize?app_id=&redirect_uri=&scope=&response_type=code&state=
  protected authorizePage(): { path: string; appKeyParam: string; redirectParam: string } {
    return { path: '/oauth/authorize', appKeyParam: 'app_id', redirectParam: 'redirect_uri' };
  }

  protected methodHint(_req: IncomingMessage, url: URL): string | null {
    if (TOKEN_PATHS[url.pathname]) return TOKEN_PATHS[url.pathname];
    return url.pathname.startsWith('/open/') ? url.pathname.slice(1).replace(/\//g, '.') : null;
  }

  /** the form of a request: the query for GET, the urlencoded body for POST (a POST may also carry query fields) */
  private form(req: IncomingMessage, url: URL, body: Buffer): Record<string, string> {
    const out: Record<string, string> = Object.fromEntries(url.searchParams);
    if (req.method === 'POST' && body.length > 0) {
      const ct = String(req.headers['content-type'] ?? '');
      if (!ct.startsWith('application/x-www-form-urlencoded')) throw new SimError('malformed', 'Content-Type must be application/x-www-form-urlencoded');
      Object.assign(out, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    }
    return out;
  }

  /** the request verifier, exposed for tests: app key, signMethod, ms timestamp, version, sign with signSecret */
  verify(form: Record<string, string>, nowMs = Date.now()): { appKey: string; method: string } {
    const appKey = form.appkey;
    if (!appKey) throw new SimError('app_key_missing', 'appkey is required');
    const secret = this.store.appSecret(appKey);
    if (!secret || kuaishouSecretProblems(secret).length > 0) throw new SimError('app_key_invalid', `unknown appkey ${appKey}`);
    if (!form.method) throw new SimError('method_invalid', 'method is required');
    const signMethod = (form.signMethod ?? 'MD5') as KuaishouSignMethod;
    if (signMethod !== 'MD5' && signMethod !== 'HMAC_SHA256') throw new SimError('param_invalid', 'signMethod must be MD5 or HMAC_SHA256');
    if (form.version !== undefined && form.version !== '1') throw new SimError('param_invalid', 'version must be 1');
    const ts = Number(form.timestamp);
    if (!/^\d{13}$/.test(form.timestamp ?? '') || Math.abs(nowMs - ts) > MAX_SKEW_MS) throw new SimError('timestamp_invalid', 'timestamp must be Unix milliseconds within 10 minutes');
    if (!form.sign) throw new SimError('signature_missing', 'sign is required');
    const signed: Record<string, string> = {};
    for (const k of SIGNED) if (form[k] !== undefined && k !== 'sign') signed[k] = form[k];
    if (kuaishouSign(signed, kuaishouSecrets(secret).signSecret, signMethod) !== form.sign) throw new SimError('signature_invalid', 'sign verification failed');
    return { appKey, method: form.method };
  }

  protected parseCall(req: IncomingMessage, url: URL, body: Buffer): ParsedCall {
    if (req.method !== 'GET' && req.method !== 'POST') throw new SimError('param_invalid', 'only GET and POST');
    const form = this.form(req, url, body);
    const tokenMethod = TOKEN_PATHS[url.pathname];
    if (tokenMethod) {
      const appKey = form.app_id ?? '';
      const secret = this.store.appSecret(appKey);
      if (!secret || kuaishouSecretProblems(secret).length > 0) throw new SimError('param_invalid', 'unknown app_id', { code: 100200101 });
      if (form.app_secret !== kuaishouSecrets(secret).appSecret) throw new SimError('param_invalid', 'app_secret does not match', { code: 100200101 });
      // the app secret is checked, never kept in the request log
      const { app_secret: _secret, ...params } = form;
      return { method: tokenMethod, appKey, shop: null, params, tokenCall: true };
    }
    if (!url.pathname.startsWith('/open/')) throw new SimError('method_invalid', `no API at ${url.pathname}`);
    const v = this.verify(form);
    if (`/${v.method.replace(/\./g, '/')}` !== url.pathname) throw new SimError('method_invalid', `method ${v.method} does not match the path ${url.pathname}`);
    const params = form.param ? parseJsonObject(form.param) : {};
    if (!form.access_token) throw new SimError('token_missing', 'access_token is required');
    const shop = this.store.authenticate(v.appKey, form.access_token);
    return { method: v.method, appKey: v.appKey, shop, params, tokenCall: false };
  }

  protected successBody(call: ParsedCall, data: unknown): unknown {
    if (call.tokenCall) return { result: 1, ...(data as Record<string, unknown>) };
    return { result: 1, error_msg: '', data: data ?? {} };
  }

  protected errorBody(err: SimError, method: string | null): { status: number; body: unknown } {
    if (method?.startsWith('oauth2.')) {
      const discarded = err.extra.subCode === 'refreshToken.discarded';
      if (err.kind === 'busy' || err.kind === 'rate_limited') return { status: 200, body: { result: 100200500, error: 'server_error', error_msg: err.message } };
      if (discarded || err.kind === 'token_invalid' || err.kind === 'token_expired' || err.kind === 'auth_revoked') {
        const msg = discarded ? 'refreshToken.discarded' : err.kind === 'auth_revoked' ? 'refreshToken.revokedAuthorization' : 'invalid refresh_token';
        return { status: 200, body: { result: 100200102, error: 'access_denied', error_msg: msg } };
      }
      const code = err.extra.code ?? 100200100;
      return { status: 200, body: { result: code, error: code === 100200105 ? 'invalid_grant' : code === 100200101 ? 'unauthorized_client' : 'invalid_request', error_msg: err.message } };
    }
    const e = API_ERRORS[err.kind];
    return { status: 200, body: { result: err.extra.code ?? e.result, error_msg: `${e.msg}: ${err.message}` } };
  }

  protected execute(call: ParsedCall): unknown {
    const p = call.params;
    const shop = call.shop!;
    switch (call.method) {
      case 'oauth2.access_token':
        return this.exchangeCode(call.appKey, p);
      case 'oauth2.refresh_token':
        return this.refresh(call.appKey, p);
      case 'open.order.cursor.list':
        return this.cursorList(shop, p);
      case 'open.order.detail':
        return this.orderJson(this.store.order(requireStr(p, 'oid'), shop.platformShopId));
      case 'open.seller.order.fee.detail':
        return this.feeDetail(this.store.order(requireStr(p, 'orderId'), shop.platformShopId));
      case 'open.seller.order.goods.deliver':
        return this.deliver(shop, p);
      case 'open.item.sku.stock.update':
        return this.stockUpdate(shop, p);
      case 'open.item.sku.list.get':
        return { skuList: this.store.skusOf(this.store.product(requireStr(p, 'kwaiItemId'), shop.platformShopId).productId).map((k) => this.skuJson(k)) };
      case 'open.item.sku.price.update': {
        const sku = this.store.sku(requireStr(p, 'skuId'), shop.platformShopId);
        if (sku.productId !== requireStr(p, 'itemId')) throw new SimError('not_found', `sku ${sku.skuId} is not on item ${String(p.itemId)}`);
        this.store.setPrice(sku, requireInt(p, 'price', { min: 1 }), Math.max(sku.originalPriceFen, requireInt(p, 'price', { min: 1 })));
        return {};
      }
      case 'open.item.new':
        return this.itemNew(shop, p);
      case 'open.item.edit':
        return this.itemEdit(shop, p);
      case 'open.promotion.coupon.create':
        return ksCouponCreate(this.store, shop, p);
      case 'open.promotion.coupon.over':
        return ksCouponOver(this.store, shop, p);
      case 'open.promotion.coupon.page.list':
        return ksCouponPageList(this.store, shop, p);
      case 'open.promotion.coupon.stock.add':
        return ksCouponStockAdd(this.store, shop, p);
      case 'open.promotion.coupon.statistic':
        return ksCouponStatistic(this.store, shop, p);
      default:
        throw new SimError('method_invalid', `${call.method} is not supported`);
    }
  }

  // ---- OAuth ----

  private tokenJson(s: ShopState, refreshExpiresAt: number): unknown {
    return {
      access_token: s.accessToken,
      expires_in: s.tokenTtlSec,
      refresh_token: s.refreshToken,
      refresh_token_expires_in: Math.max(0, Math.floor((refreshExpiresAt - Date.now()) / 1000)),
      open_id: s.platformShopId,
      scopes: ['merchant_item', 'merchant_order', 'merchant_logistics'],
    };
  }

  private exchangeCode(appKey: string, p: Record<string, unknown>): unknown {
    if (strParam(p, 'grant_type') !== 'code') throw new SimError('param_invalid', 'grant_type must be code', { code: 100200104 });
    let s: ShopState;
    try {
      s = this.store.useAuthCode(requireStr(p, 'code'), appKey);
    } catch {
      throw new SimError('param_invalid', 'code is invalid or used', { code: 100200105 });
    }
    this.store.issueTokens(s.platformShopId);
    return this.tokenJson(s, this.store.tokenRecord(s.refreshToken)!.expiresAt);
  }

  /** a new access token and a NEW refresh token keeping the old one's expiry; the used one is discarded; old access tokens stay valid */
  private refresh(appKey: string, p: Record<string, unknown>): unknown {
    if (strParam(p, 'grant_type') !== 'refresh_token') throw new SimError('param_invalid', 'grant_type must be refresh_token', { code: 100200104 });
    const rt = requireStr(p, 'refresh_token');
    if (this.usedRefreshTokens.has(rt)) throw new SimError('token_invalid', 'refresh token already used', { subCode: 'refreshToken.discarded' });
    const s = this.store.useRefreshToken(appKey, rt);
    const grantEnd = this.store.tokenRecord(rt)!.expiresAt;
    const live = [...this.store.tokens.values()].filter((r) => r.kind === 'access' && r.shopId === s.platformShopId).map((r) => [r, r.expiresAt] as const);
    this.store.issueTokens(s.platformShopId);
    for (const [r, at] of live) r.expiresAt = at; // old and new access tokens are independent
    this.store.tokenRecord(s.refreshToken)!.expiresAt = grantEnd;
    this.usedRefreshTokens.add(rt);
    return this.tokenJson(s, grantEnd);
  }

  // ---- orders ----

  /** open.order.cursor.list: queryType 1 create / 2 update time, beginTime/endTime ms (≤7 days, ≤90 days back), pageSize ≤50, cursor "" then the returned one until "nomore" */
  private cursorList(shop: ShopState, p: Record<string, unknown>): unknown {
    const begin = requireInt(p, 'beginTime', { min: 0 });
    const end = requireInt(p, 'endTime', { min: 0 });
    if (end < begin) throw new SimError('param_invalid', 'endTime before beginTime', { code: 300003 });
    if (end - begin > SEVEN_DAYS_MS) throw new SimError('param_invalid', 'time range over 7 days', { code: 300004 });
    if (begin < Date.now() - NINETY_DAYS_MS) throw new SimError('param_invalid', 'beginTime older than 90 days', { code: 300005 });
    const queryType = intParam(p, 'queryType') ?? 1;
    if (queryType !== 1 && queryType !== 2) throw new SimError('param_invalid', 'queryType must be 1 or 2');
    const pageSize = intParam(p, 'pageSize', { min: 1, max: 50 }) ?? 20;
    const sort = intParam(p, 'sort') ?? 1;
    if (sort !== 1 && sort !== 2) throw new SimError('param_invalid', 'sort must be 1 (desc) or 2 (asc)');
    const cursor = strParam(p, 'cursor') ?? '';
    if (cursor === KS_NO_MORE) throw new SimError('param_invalid', 'cursor is nomore: the list has ended');
    const offset = cursor === '' ? 0 : Number(/^c(\d+)$/.exec(cursor)?.[1] ?? NaN);
    if (!Number.isInteger(offset)) throw new SimError('param_invalid', `unknown cursor ${cursor}`);
    const view = intParam(p, 'orderViewStatus') ?? 1;
    const viewStatus: Record<number, number[]> = { 2: [10], 3: [30], 4: [40], 5: [50], 6: [70], 7: [80] };
    const all = this.store.queryOrders(shop.platformShopId, queryType === 2 ? 'updatedAt' : 'createdAt', begin, end, sort === 2, view === 1 ? undefined : (o) => (viewStatus[view] ?? []).includes(STATUS[o.status]));
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize >= all.length ? KS_NO_MORE : `c${offset + pageSize}`;
    return { cursor: next, orderList: page.map((o) => this.orderJson(o)) };
  }

  private orderJson(o: SimOrder): unknown {
    const shop = this.store.shops.get(o.shopId);
    const item = (l: SimOrder['items'][number]) => ({
      orderItemId: id(l.lineId),
      skuId: id(l.skuId),
      relSkuId: l.skuCode,
      skuNick: l.skuCode,
      itemId: id(l.productId),
      itemTitle: l.title,
      num: l.quantity,
      originalPrice: l.unitPriceFen,
      price: l.unitPriceFen,
      discountFee: l.discountFen,
      itemType: 1,
    });
    return {
      orderBaseInfo: {
        oid: id(o.orderId),
        status: STATUS[o.status],
        payTime: o.paidAt ?? 0,
        createTime: o.createdAt,
        updateTime: o.updatedAt,
        sendTime: o.shippedAt ?? 0,
        totalFee: orderPaidFen(o),
        discountFee: o.discountFen,
        expressFee: o.shippingFen,
        sellerOpenId: shop?.platformShopId ?? '',
        sellerNick: shop?.shopName ?? '',
        buyerOpenId: `b${o.orderId.slice(-12)}`,
        buyerNick: o.buyerNick,
        cpsType: 1,
        remark: '',
      },
      // Kuaishou orders carry one SKU (orderItemInfo is an object); a generated order of several lines is sent as an array [U]
      orderItemInfo: o.items.length === 1 ? item(o.items[0]) : o.items.map(item),
      orderAddress: { desensitiseConsignee: o.receiver.name, desensitiseMobile: o.receiver.phone, desensitiseAddress: o.receiver.address, encryptedConsignee: `#${o.orderId}#`, encryptedMobile: `#${o.orderId}#m`, encryptedAddress: `#${o.orderId}#a` },
      orderLogisticsInfo: o.logistics ? [{ expressNo: o.logistics.trackingNo, expressCode: Number(o.logistics.companyCode) || 0 }] : [],
      orderRefundList: o.status === 'refunded' ? [{ refundId: id(`3${o.orderId.slice(1)}`), status: 60, handlingWay: o.refundedFrom === 'paid' ? 10 : 1, refundFee: orderPaidFen(o) }] : [],
      goodsFee: o.items.reduce((n, l) => n + lineGoodsFen(l), 0),
    };
  }

  /**
   * open.seller.order.fee.detail (MARKETING-KUAISHOU-ALERTS.md 1.4, [C] KS-DEMO OrderFeeInfo.java): the order's money
   * and its marketingInfoOuters. A redeemed merchant coupon is subType 1001 (商家满减优惠券), the rest of the
   * discount 4010 (限时立减); like the real answer, no line names the coupon [U: no coupon id field was found].
   */
  private feeDetail(o: SimOrder): unknown {
    const couponFen = o.coupon?.amountFen ?? 0;
    const rest = Math.max(0, o.discountFen - couponFen);
    const lines = [
      ...(couponFen > 0 ? [{ subType: 1001, discountFee: couponFen, bearInfoList: [{ bearAmount: couponFen }] }] : []),
      ...(rest > 0 ? [{ subType: 4010, discountFee: rest, bearInfoList: [{ bearAmount: rest }] }] : []),
    ];
    const goods = o.items.reduce((n, l) => n + lineGoodsFen(l), 0);
    return {
      orderId: id(o.orderId),
      totalFee: goods + o.shippingFen,
      discountFee: o.discountFen,
      expressFee: o.shippingFen,
      platformAllowance: 0,
      buyerPay: orderPaidFen(o),
      sellerRecv: orderPaidFen(o),
      platformBearAmount: 0,
      merchantBearAmount: o.discountFen,
      marketingInfoOuters: lines,
      productFeeInfoOuters: o.items.map((l) => ({ skuId: id(l.skuId), num: l.quantity, price: l.unitPriceFen, discountFee: l.discountFen })),
    };
  }

  private deliver(shop: ShopState, p: Record<string, unknown>): unknown {
    const orderId = requireStr(p, 'orderId');
    const expressNo = requireStr(p, 'expressNo');
    const expressCode = requireInt(p, 'expressCode', { min: 1 });
    const o = this.store.order(orderId, shop.platformShopId);
    if ((o.status === 'shipped' || o.status === 'completed') && o.logistics?.trackingNo === expressNo) return {};
    if (o.status !== 'paid') throw new SimError('business', `order ${orderId} is ${o.status}; delivery refused`);
    this.store.transition(orderId, 'shipped', { logistics: { companyCode: String(expressCode), trackingNo: expressNo } });
    return {};
  }

  // ---- catalogue ----

  private skuJson(k: SimSku): Record<string, unknown> {
    return { kwaiSkuId: id(k.skuId), relSkuId: k.skuCode, skuNick: k.skuCode, skuStock: k.stock, skuSalePrice: k.priceFen, skuMarketPrice: k.originalPriceFen, gtinCode: k.barcode ?? '', specification: Object.values(k.specs).join(';') };
  }

  /** a delta only: 0 < skuChangeStock < 9,999,999 with changeType 1 (add) / 2 (subtract); the result stays within 0..9,999,999 */
  private stockUpdate(shop: ShopState, p: Record<string, unknown>): unknown {
    const sku = this.store.sku(requireStr(p, 'skuId'), shop.platformShopId);
    if (sku.productId !== requireStr(p, 'kwaiItemId')) throw new SimError('not_found', `sku ${sku.skuId} is not on item ${String(p.kwaiItemId)}`);
    const n = requireInt(p, 'skuChangeStock', { min: 1, max: MAX_STOCK - 1 });
    const type = requireInt(p, 'changeType', { min: 1, max: 2 });
    const next = type === 1 ? sku.stock + n : sku.stock - n;
    if (next > MAX_STOCK) throw new SimError('param_invalid', 'stock would exceed 9999999');
    if (next < 0) throw new SimError('business', `stock ${sku.stock} is less than ${n}`);
    this.store.setStock(sku, 'delta', type === 1 ? n : -n);
    return {};
  }

  private skuInputs(p: Record<string, unknown>): Record<string, unknown>[] {
    if (!Array.isArray(p.skuList) || p.skuList.length === 0) throw new SimError('param_missing', 'skuList is required');
    if (p.skuList.length > 600) throw new SimError('param_invalid', 'skuList holds at most 600 SKUs');
    return p.skuList as Record<string, unknown>[];
  }

  private writeSku(shop: ShopState, product: SimProduct, s: Record<string, unknown>): void {
    const code = requireStr(s, 'relSkuId');
    const price = requireInt(s, 'skuSalePrice', { min: 1 });
    const market = intParam(s, 'skuMarketPrice', { min: 1 }) ?? price;
    const specs: Record<string, string> = {};
    if (Array.isArray(s.skuProps)) for (const prop of s.skuProps as Record<string, unknown>[]) specs[strParam(prop, 'propName') ?? ''] = strParam(prop, 'propValueName') ?? '';
    const kwaiSkuId = strParam(s, 'kwaiSkuId');
    const existing = kwaiSkuId ? this.store.sku(kwaiSkuId, shop.platformShopId) : this.store.skusOf(product.productId).find((k) => k.skuCode === code);
    const sku = this.store.upsertSku({
      skuId: existing?.skuId ?? this.store.ids.skuId(),
      productId: product.productId,
      shopId: shop.platformShopId,
      skuCode: code,
      specs,
      stock: existing ? existing.stock : requireInt(s, 'skuStock', { min: 0, max: MAX_STOCK }),
      priceFen: price,
      originalPriceFen: market,
      barcode: strParam(s, 'gtinCode') ?? null,
    });
    this.store.setPrice(sku, price, market);
  }

  private itemNew(shop: ShopState, p: Record<string, unknown>): unknown {
    const relItemId = requireStr(p, 'relItemId');
    if (this.store.productByOuterId(shop.platformShopId, relItemId)) throw new SimError('business', `relItemId ${relItemId} already exists`);
    const images = Array.isArray(p.imageUrls) ? (p.imageUrls as unknown[]).map(String) : [];
    if (images.length > 9) throw new SimError('param_invalid', 'imageUrls holds at most 9 images');
    const skus = this.skuInputs(p);
    const product = this.store.upsertProduct({ productId: this.store.ids.productId(), shopId: shop.platformShopId, outerProductId: relItemId, title: requireStr(p, 'title'), description: strParam(p, 'details') ?? '', categoryId: requireStr(p, 'categoryId'), images, attributes: {} });
    for (const s of skus) this.writeSku(shop, product, s);
    return { kwaiItemId: id(product.productId), relItemId };
  }

  private itemEdit(shop: ShopState, p: Record<string, unknown>): unknown {
    const product = this.store.product(requireStr(p, 'kwaiItemId'), shop.platformShopId);
    const updated = this.store.upsertProduct({ ...product, title: strParam(p, 'title') ?? product.title, description: strParam(p, 'details') ?? product.description });
    if (p.skuList !== undefined) for (const s of this.skuInputs(p)) this.writeSku(shop, updated, s);
    return { kwaiItemId: id(updated.productId) };
  }

  // ---- pushes ----

  protected pushEncoding(): PushEncoding {
    return {
      encode: (appKey, items) => {
        if (items.length !== 1) throw new Error('kuaishou pushes one message per POST');
        const secret = this.store.appSecret(appKey) ?? '';
        const key = kuaishouSecrets(secret).messageKey ?? '';
        return { body: ksEncryptPush(canonicalJson(items[0].item), key), headers: { 'content-type': 'text/plain;charset=utf-8' } };
      },
      isAck: (status, body) => {
        if (status !== 200) return false;
        try {
          return (JSON.parse(body) as { result?: unknown }).result === 1;
        } catch {
          return false;
        }
      },
    };
  }

  protected onOrderEvent(o: SimOrder, event: SimOrderEvent): void {
    if (!this.push) return;
    const shop = this.store.shops.get(o.shopId);
    if (!shop) return;
    const now = Date.now();
    const info = event === 'created' ? { oid: id(o.orderId), sellerId: 88001, createTime: o.createdAt, openId: shop.platformShopId } : { oid: id(o.orderId), sellerId: 88001, status: STATUS[o.status], updateTime: o.updatedAt };
    const messageId = this.store.ids.messageId();
    this.push.enqueue({
      appKey: shop.appKey,
      messageId,
      item: { eventId: `e${messageId}`, msgId: messageId, bizId: id(o.orderId), userId: 88001, openId: shop.platformShopId, appKey: shop.appKey, event: EVENT[event], info: canonicalJson(info), status: 1, createTime: now, updateTime: o.updatedAt, test: false },
    });
  }
}

export async function startKuaishouSimulator(opts: SimulatorOptions = {}): Promise<KuaishouSimulator> {
  return new KuaishouSimulator(opts).listen();
}
