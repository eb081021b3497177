import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { fenToYuan, formatGmt8, parseGmt8, rawNumber, yuanToFen, type RawNumber } from '@app/platforms/signing';
import type { IdFactory } from '../core/ids';
import { intParam, requireId, requireInt, requireStr, strParam } from '../core/lossless';
import { SimError, type SimErrorKind } from '../core/sim-error';
import { PlatformSimulator, type ParsedCall } from '../core/simulator';
import { lineGoodsFen, orderGoodsFen, orderPaidFen, type IdScheme, type ShopState } from '../core/store';
import type { SimOrder, SimOrderEvent, SimProduct, SimShopConfig, SimSku, SimulatorOptions } from '../core/types';
import { TMC_DEFAULT_GROUP, TmcQueue, type TmcMessage } from './tmc-queue';
import { verifyTaobaoRequest } from './taobao.verify';
import { TmcSocketServer } from './tmc-socket.server';

export const TAOBAO_DEMO_SHOP: SimShopConfig = {
  platformShopId: '2200000001',
  appKey: '12345678',
  appSecret: 'top_test_secret_0001',
  accessToken: '6100a0b1c2d3e4f5test',
  refreshToken: '6101a0b1c2d3e4f5refresh',
  tokenTtlSec: 7 * 24 * 3600,
  shopName: 'omnisync旗舰店',
};

/** Methods that need no seller session. */
const APP_METHODS = new Set(['taobao.top.auth.token.refresh', 'taobao.top.auth.token.create', 'taobao.tmc.messages.consume', 'taobao.tmc.messages.confirm']);
const TOKEN_METHODS = new Set(['taobao.top.auth.token.refresh', 'taobao.top.auth.token.create']);

const ERRORS: Record<SimErrorKind, { code: number; subCode?: string }> = {
  app_key_missing: { code: 28 },
  app_key_invalid: { code: 29 },
  signature_missing: { code: 24 },
  signature_invalid: { code: 25 },
  timestamp_invalid: { code: 31 },
  method_invalid: { code: 22 },
  token_missing: { code: 26 },
  token_invalid: { code: 27, subCode: 'invalid-sessionkey' },
  token_expired: { code: 27, subCode: 'session-expired' },
  auth_revoked: { code: 27, subCode: 'invalid-sessionkey' },
  rate_limited: { code: 7, subCode: 'accesscontrol.limited-by-api-access-count' },
  busy: { code: 15, subCode: 'isp.remote-service-unavailable' },
  param_missing: { code: 40, subCode: 'isv.missing-parameter' },
  param_invalid: { code: 41, subCode: 'isv.invalid-parameter' },
  malformed: { code: 41, subCode: 'isv.invalid-parameter' },
  too_large: { code: 41, subCode: 'isv.invalid-parameter:request-too-large' },
  not_found: { code: 15, subCode: 'isv.item-not-exist' },
  business: { code: 15, subCode: 'isv.business-error' },
};

const MSG: Record<number, string> = {
  7: 'App Call Limited',
  15: 'Remote service error',
  21: 'Missing method',
  22: 'Invalid method',
  23: 'Invalid format',
  24: 'Missing signature',
  25: 'Invalid signature',
  26: 'Missing session',
  27: 'Invalid session',
  28: 'Missing app key',
  29: 'Invalid app Key',
  30: 'Missing timestamp',
  31: 'Invalid timestamp',
  32: 'Missing version',
  34: 'Unsupported version',
  40: 'Missing required arguments',
  41: 'Invalid arguments',
};

const TOPIC: Record<SimOrderEvent, string> = {
  created: 'taobao_trade_TradeCreate',
  paid: 'taobao_trade_TradeBuyerPay',
  shipped: 'taobao_trade_TradeSellerShip',
  completed: 'taobao_trade_TradeSuccess',
  cancelled: 'taobao_trade_TradeClose',
  refunded: 'taobao_refund_RefundSuccess',
};

const DENOMINATIONS = [3, 5, 10, 20, 50, 100];
const num = (id: string): RawNumber | string => (/^\d+$/.test(id) ? rawNumber(id) : id);
const gmt8 = (ms: number | null): string | undefined => (ms === null ? undefined : formatGmt8(new Date(ms)));

function tradeStatus(o: SimOrder): string {
  switch (o.status) {
    case 'pending_payment':
      return 'WAIT_BUYER_PAY';
    case 'paid':
      return 'WAIT_SELLER_SEND_GOODS';
    case 'shipped':
      return 'WAIT_BUYER_CONFIRM_GOODS';
    case 'completed':
      return 'TRADE_FINISHED';
    case 'cancelled':
      return 'TRADE_CLOSED_BY_TAOBAO';
    case 'refunded':
      return 'TRADE_CLOSED';
    default: {
      const never: never = o.status;
      throw new Error(`unknown status ${String(never)}`);
    }
  }
}

/** the TOP response root: method without "taobao.", dots to underscores, + "_response" */
export function taobaoResponseKey(method: string): string {
  return `${method.replace(/^taobao\./, '').replace(/\./g, '_')}_response`;
}

/**
 * Taobao TOP simulator: one gateway (POST or GET on /router/rest, also /), form-encoded system +
 * business parameters, MD5/HMAC signatures, {"<method>_response":{...}} / {"error_response":{...}}.
 * Money as yuan strings, times as GMT+8 strings. Push = TMC over HTTP (consume / confirm).
 * Products: the legacy taobao.item.add / taobao.item.update (flat sku_* lists), read back with
 * taobao.item.seller.get / taobao.item.sku.get.
 */
export class TaobaoSimulator extends PlatformSimulator {
  readonly platform = 'taobao' as const;
  /** TMC queue per app key */
  readonly tmc = new Map<string, TmcQueue>();
  private reqSeq = 0;
  private tmcDropped = 0;
  /** TMC over WebSocket on the same port (the HTTP consume stays: both hand out the same queues) */
  readonly tmcSocket: TmcSocketServer;

  constructor(opts: SimulatorOptions = {}) {
    super(opts, [TAOBAO_DEMO_SHOP]);
    this.tmcSocket = new TmcSocketServer(
      (k) => this.tmcQueue(k),
      (k) => this.store.appSecret(k),
      () => this.options.tmcRedeliverAfterMs,
      () => this.faults.settings.down !== false,
    );
  }

  protected override onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.tmcSocket.handleUpgrade(req, socket, head);
  }

  protected override onClose(): void {
    this.tmcSocket.close();
  }

  protected idScheme(ids: IdFactory): IdScheme {
    return {
      orderId: () => ids.numeric('40', 19),
      lineId: () => ids.numeric('40', 19),
      productId: () => ids.numeric('6', 12),
      skuId: () => ids.numeric('5', 13),
      couponId: () => ids.numeric('9', 11),
      messageId: () => ids.numeric('38', 19),
    };
  }

  tmcQueue(appKey: string): TmcQueue {
    let q = this.tmc.get(appKey);
    if (!q) {
      q = new TmcQueue(this.options.tmcRedeliverAfterMs);
      this.tmc.set(appKey, q);
    }
    return q;
  }

  override extraStats(): Record<string, unknown> {
    return { tmc: Object.fromEntries([...this.tmc].map(([k, q]) => [k, q.snapshot()])), tmcDropped: this.tmcDropped, tmcSocket: this.tmcSocket.snapshot() };
  }

  // oauth.taobao.com/authorize?response_type=code&client_id=&redirect_uri=&state=&view=web (PROTOCOLS.md 2.6)
  protected authorizePage(): { path: string; appKeyParam: string; redirectParam: string } {
    return { path: '/authorize', appKeyParam: 'client_id', redirectParam: 'redirect_uri' };
  }

  protected methodHint(_req: IncomingMessage, url: URL): string | null {
    return url.searchParams.get('method');
  }

  /** The request verifier, exposed for tests (also used by the server). */
  verify = (params: Record<string, string>, nowMs?: number) => verifyTaobaoRequest(params, (k) => this.store.appSecret(k), nowMs);

  protected parseCall(req: IncomingMessage, url: URL, body: Buffer): ParsedCall {
    if (url.pathname !== '/router/rest' && url.pathname !== '/') throw new SimError('method_invalid', `no gateway at ${url.pathname}`);
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    if (req.method === 'POST' && body.length > 0) {
      const ct = String(req.headers['content-type'] ?? '');
      if (!ct.includes('application/x-www-form-urlencoded')) throw new SimError('param_invalid', `unsupported content-type ${ct}: send application/x-www-form-urlencoded`);
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
    }
    const v = this.verify(params);
    const business: Record<string, string> = {};
    for (const [k, val] of Object.entries(params)) {
      if (!['method', 'app_key', 'session', 'timestamp', 'format', 'v', 'sign_method', 'sign', 'simplify', 'partner_id', 'target_app_key'].includes(k)) business[k] = val;
    }
    if (APP_METHODS.has(v.method)) return { method: v.method, appKey: v.appKey, shop: null, params: business, tokenCall: TOKEN_METHODS.has(v.method) };
    if (!v.session) throw new SimError('token_missing', 'Missing session');
    const shop = this.store.authenticate(v.appKey, v.session);
    return { method: v.method, appKey: v.appKey, shop, params: business, tokenCall: false };
  }

  private requestId(): string {
    return `${Date.now().toString(36)}${(++this.reqSeq).toString(36)}`;
  }

  protected successBody(call: ParsedCall, data: unknown): unknown {
    return { [taobaoResponseKey(call.method)]: { ...(data as Record<string, unknown>), request_id: this.requestId() } };
  }

  protected errorBody(err: SimError, _method: string | null): { status: number; body: unknown } {
    const e = ERRORS[err.kind];
    const code = err.extra.code ?? e.code;
    let subCode = err.extra.subCode ?? e.subCode;
    if (err.kind === 'not_found' && !err.extra.subCode) subCode = /order|trade/i.test(err.message) ? 'isv.trade-not-exist' : 'isv.item-not-exist';
    const subMsg = err.kind === 'rate_limited' ? `This ban will last for ${err.extra.retryAfterSec ?? 1} more seconds` : err.message;
    const body: Record<string, unknown> = { code, msg: MSG[code] ?? 'Remote service error', sub_msg: subMsg, request_id: this.requestId() };
    if (subCode) body.sub_code = subCode;
    return { status: 200, body: { error_response: body } };
  }

  protected execute(call: ParsedCall): unknown {
    const p = call.params;
    const shop = call.shop!;
    switch (call.method) {
      case 'taobao.top.auth.token.refresh': {
        let s: ShopState;
        try {
          s = this.store.useRefreshToken(call.appKey, requireStr(p, 'refresh_token'));
        } catch (e) {
          if (e instanceof SimError && e.kind !== 'param_missing') throw new SimError('business', `refresh_token is invalid: ${e.message}`, { subCode: 'isv.refresh-token-invalid' });
          throw e;
        }
        return { token_result: this.tokenResult(this.store.issueTokens(s.platformShopId)) };
      }
      case 'taobao.top.auth.token.create': {
        let s: ShopState;
        try {
          s = this.store.useAuthCode(requireStr(p, 'code'), call.appKey);
        } catch {
          throw new SimError('business', 'authorization code is invalid or used', { subCode: 'isv.code-invalid' });
        }
        return { token_result: this.tokenResult(this.store.issueTokens(s.platformShopId)) };
      }
      case 'taobao.tmc.messages.consume':
        return this.tmcConsume(call.appKey, p);
      case 'taobao.tmc.messages.confirm': {
        const ok = (strParam(p, 's_message_ids') ?? '').split(',').filter(Boolean);
        const failed = (strParam(p, 'f_message_ids') ?? '').split(',').filter(Boolean);
        if (ok.length === 0 && failed.length === 0) throw new SimError('param_missing', 's_message_ids is required');
        this.tmcQueue(call.appKey).confirm(ok, failed, strParam(p, 'group_name') || TMC_DEFAULT_GROUP);
        if (failed.length > 0) this.tmcSocket.notify(call.appKey);
        return { is_success: true };
      }
      case 'taobao.tmc.user.permit':
        return { is_success: true };
      case 'taobao.trades.sold.increment.get':
        return this.incrementGet(shop, p);
      case 'taobao.trade.fullinfo.get': {
        const fields = requireStr(p, 'fields');
        return { trade: this.tradeJson(this.store.order(requireId(p, 'tid'), shop.platformShopId), fields) };
      }
      case 'taobao.logistics.offline.send':
        return this.offlineSend(shop, p);
      case 'taobao.item.quantity.update':
        return this.quantityUpdate(shop, p);
      case 'taobao.item.sku.price.update': {
        const sku = this.findSku(shop, p);
        this.store.setPrice(sku, this.yuan(p, 'price'));
        return { sku: { sku_id: num(sku.skuId), num_iid: num(sku.productId), price: fenToYuan(sku.priceFen), modified: gmt8(sku.updatedAt) } };
      }
      case 'taobao.item.add':
        return this.itemAdd(shop, p);
      case 'taobao.item.update':
        return this.itemUpdate(shop, p);
      case 'taobao.item.seller.get':
        return { item: this.itemJson(this.store.product(requireId(p, 'num_iid'), shop.platformShopId)) };
      case 'taobao.item.sku.get': {
        const sku = this.store.sku(requireId(p, 'sku_id'), shop.platformShopId);
        return { sku: this.skuJson(sku) };
      }
      case 'taobao.promotion.coupon.add':
        return this.couponAdd(shop, p);
      case 'taobao.promotion.coupon.send':
        return this.couponSend(shop, p);
      default:
        throw new SimError('method_invalid', `Invalid method ${call.method}`);
    }
  }

  private tokenResult(s: ShopState): string {
    const now = Date.now();
    const ttl = s.tokenTtlSec;
    return JSON.stringify({
      access_token: s.accessToken,
      refresh_token: s.refreshToken,
      token_type: 'Bearer',
      expires_in: ttl,
      re_expires_in: 14 * 24 * 3600,
      r1_expires_in: ttl,
      r2_expires_in: ttl,
      w1_expires_in: ttl,
      w2_expires_in: ttl,
      expire_time: now + ttl * 1000,
      refresh_token_valid_time: now + 14 * 24 * 3600_000,
      taobao_user_id: s.platformShopId,
      taobao_user_nick: s.shopName,
    });
  }

  private yuan(p: Record<string, unknown>, key: string): number {
    const text = requireStr(p, key);
    if (!/^\d+(\.\d{1,2})?$/.test(text)) throw new SimError('param_invalid', `${key} must be a yuan amount with at most 2 decimals`);
    return yuanToFen(text);
  }

  private time(p: Record<string, unknown>, key: string): number {
    const text = requireStr(p, key);
    try {
      return parseGmt8(text).getTime();
    } catch {
      throw new SimError('param_invalid', `${key} must be yyyy-MM-dd HH:mm:ss`);
    }
  }

  // ---- orders ----

  private incrementGet(shop: ShopState, p: Record<string, unknown>): unknown {
    const fields = requireStr(p, 'fields');
    const start = this.time(p, 'start_modified');
    const end = this.time(p, 'end_modified');
    if (end < start) throw new SimError('param_invalid', 'end_modified must not be earlier than start_modified');
    if (end - start > 24 * 3600_000) throw new SimError('param_invalid', 'the span between start_modified and end_modified must not exceed one day');
    const pageNo = intParam(p, 'page_no', { min: 1 }) ?? 1;
    const pageSize = intParam(p, 'page_size', { min: 1, max: 100 }) ?? 40;
    const status = strParam(p, 'status');
    const useHasNext = strParam(p, 'use_has_next') === 'true';
    // modified is compared at second precision, both ends inclusive
    const all = this.store.queryOrders(shop.platformShopId, 'updatedAt', start, end + 999, false, status ? (o) => tradeStatus(o) === status : undefined);
    const page = all.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    const out: Record<string, unknown> = { trades: { trade: page.map((o) => this.tradeJson(o, fields)) } };
    if (useHasNext) out.has_next = pageNo * pageSize < all.length;
    else out.total_results = all.length;
    return out;
  }

  private tradeJson(o: SimOrder, fields: string): unknown {
    const wanted = new Set(fields.split(',').map((f) => f.trim().split('.')[0]).filter(Boolean));
    const status = tradeStatus(o);
    const refund = o.status === 'refunded' ? 'SUCCESS' : 'NO_REFUND';
    const shop = this.store.shops.get(o.shopId);
    const full: Record<string, unknown> = {
      tid: num(o.orderId),
      tid_str: o.orderId,
      status,
      type: 'fixed',
      payment: fenToYuan(orderPaidFen(o)),
      total_fee: fenToYuan(orderGoodsFen(o)),
      post_fee: fenToYuan(o.shippingFen),
      discount_fee: fenToYuan(o.discountFen),
      adjust_fee: '0.00',
      created: gmt8(o.createdAt),
      pay_time: gmt8(o.paidAt),
      modified: gmt8(o.updatedAt),
      consign_time: gmt8(o.shippedAt),
      end_time: gmt8(o.completedAt ?? o.cancelledAt ?? o.refundedAt),
      seller_nick: shop?.shopName ?? '',
      buyer_nick: `${o.buyerNick.slice(0, 1)}**`,
      receiver_name: o.receiver.name,
      receiver_mobile: o.receiver.phone,
      receiver_state: '浙江省',
      receiver_city: '杭州市',
      receiver_district: '余杭区',
      receiver_address: o.receiver.address,
      oaid: `oaid${o.orderId.slice(-8)}`,
      num: o.items.reduce((a, l) => a + l.quantity, 0),
      orders: {
        order: o.items.map((l) => ({
          oid: num(l.lineId),
          oid_str: l.lineId,
          num_iid: num(l.productId),
          sku_id: l.skuId,
          outer_iid: this.store.products.get(l.productId)?.outerProductId ?? '',
          outer_sku_id: l.skuCode,
          title: l.title,
          num: l.quantity,
          price: fenToYuan(l.unitPriceFen),
          total_fee: fenToYuan(lineGoodsFen(l)),
          discount_fee: fenToYuan(l.discountFen),
          payment: fenToYuan(lineGoodsFen(l) - l.discountFen),
          status,
          refund_status: refund,
        })),
      },
    };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(full)) if (wanted.has(k) && v !== undefined) out[k] = v;
    return out;
  }

  private offlineSend(shop: ShopState, p: Record<string, unknown>): unknown {
    const tid = requireId(p, 'tid');
    const outSid = requireStr(p, 'out_sid');
    const companyCode = requireStr(p, 'company_code');
    const o = this.store.order(tid, shop.platformShopId);
    if ((o.status === 'shipped' || o.status === 'completed') && o.logistics?.trackingNo === outSid) return { shipping: { is_success: true } };
    if (o.status !== 'paid') {
      throw new SimError('business', `trade ${tid} is ${tradeStatus(o)}${o.status === 'refunded' ? ' (refunded)' : ''}; it cannot be shipped`, { subCode: 'isv.logistics-offline-service-error:B04' });
    }
    this.store.transition(tid, 'shipped', { logistics: { companyCode, trackingNo: outSid } });
    return { shipping: { is_success: true } };
  }

  // ---- catalogue ----

  private findSku(shop: ShopState, p: Record<string, unknown>): SimSku {
    const numIid = requireId(p, 'num_iid');
    const product = this.store.product(numIid, shop.platformShopId);
    const skuId = strParam(p, 'sku_id');
    if (skuId) {
      const sku = this.store.sku(skuId, shop.platformShopId);
      if (sku.productId !== product.productId) throw new SimError('not_found', `sku ${skuId} is not a sku of item ${numIid}`);
      return sku;
    }
    const outer = strParam(p, 'outer_id');
    const props = strParam(p, 'properties');
    const skus = this.store.skusOf(product.productId);
    const match = outer ? skus.find((s) => s.skuCode === outer) : props ? skus.find((s) => skuProperties(s) === props) : skus.length === 1 ? skus[0] : undefined;
    if (!match) throw new SimError('not_found', `sku of item ${numIid} does not exist`);
    return match;
  }

  private quantityUpdate(shop: ShopState, p: Record<string, unknown>): unknown {
    const sku = this.findSku(shop, p);
    const quantity = requireInt(p, 'quantity');
    const type = intParam(p, 'type') ?? 1;
    if (type !== 1 && type !== 2) throw new SimError('param_invalid', 'type must be 1 (full) or 2 (delta)');
    if (type === 1 && quantity < 0) throw new SimError('param_invalid', 'quantity must be >= 0');
    this.store.setStock(sku, type === 1 ? 'full' : 'delta', quantity);
    const product = this.store.product(sku.productId);
    const total = this.store.skusOf(product.productId).reduce((a, s) => a + s.stock, 0);
    return { item: { num_iid: num(product.productId), num: total, modified: gmt8(sku.updatedAt), skus: { sku: [{ sku_id: num(sku.skuId), quantity: sku.stock, modified: gmt8(sku.updatedAt) }] } } };
  }

  private skuJson(s: SimSku): unknown {
    return {
      sku_id: num(s.skuId),
      num_iid: num(s.productId),
      properties: skuProperties(s),
      properties_name: Object.entries(s.specs).filter(([k]) => k !== 'properties').map(([k, v]) => `${k}:${v}`).join(';'),
      quantity: s.stock,
      price: fenToYuan(s.priceFen),
      outer_id: s.skuCode,
      barcode: s.barcode ?? undefined,
      status: s.available ? 'normal' : 'delete',
      modified: gmt8(s.updatedAt),
    };
  }

  private itemJson(pr: SimProduct): unknown {
    const skus = this.store.skusOf(pr.productId);
    return {
      num_iid: num(pr.productId),
      title: pr.title,
      desc: pr.description,
      cid: num(pr.categoryId),
      outer_id: pr.outerProductId,
      num: skus.reduce((a, s) => a + s.stock, 0),
      price: fenToYuan(skus.length ? Math.min(...skus.map((s) => s.priceFen)) : 0),
      approve_status: 'onsale',
      created: gmt8(pr.createdAt),
      modified: gmt8(pr.updatedAt),
      skus: { sku: skus.map((s) => this.skuJson(s)) },
    };
  }

  /** sku_properties / sku_quantities / sku_prices / sku_outer_ids: parallel comma-separated lists */
  private skuRows(p: Record<string, unknown>): { properties: string; quantity: number; priceFen: number; outerId: string }[] {
    const props = strParam(p, 'sku_properties');
    if (!props) return [];
    const list = (k: string) => (strParam(p, k) ?? '').split(',');
    const propList = props.split(',');
    const q = list('sku_quantities');
    const pr = list('sku_prices');
    const outer = list('sku_outer_ids');
    if (q.length !== propList.length || pr.length !== propList.length) throw new SimError('param_invalid', 'sku_properties, sku_quantities and sku_prices must have the same length');
    return propList.map((properties, i) => {
      if (!/^\d+$/.test(q[i] ?? '')) throw new SimError('param_invalid', `sku_quantities[${i}] must be an integer`);
      if (!/^\d+(\.\d{1,2})?$/.test(pr[i] ?? '')) throw new SimError('param_invalid', `sku_prices[${i}] must be a yuan amount`);
      return { properties, quantity: Number(q[i]), priceFen: yuanToFen(pr[i]), outerId: outer[i] ?? '' };
    });
  }

  private applySkuRows(shop: ShopState, productId: string, rows: ReturnType<TaobaoSimulator['skuRows']>): void {
    for (const r of rows) {
      const existing = this.store.skusOf(productId).find((s) => (r.outerId && s.skuCode === r.outerId) || skuProperties(s) === r.properties);
      this.store.upsertSku({
        skuId: existing?.skuId ?? this.store.ids.skuId(),
        productId,
        shopId: shop.platformShopId,
        skuCode: r.outerId || existing?.skuCode || r.properties,
        specs: { properties: r.properties },
        stock: r.quantity,
        priceFen: r.priceFen,
        originalPriceFen: Math.max(r.priceFen, existing?.originalPriceFen ?? 0),
      });
    }
  }

  private itemAdd(shop: ShopState, p: Record<string, unknown>): unknown {
    const title = requireStr(p, 'title');
    if (title.length > 60) throw new SimError('param_invalid', 'title must be at most 60 characters');
    const priceFen = this.yuan(p, 'price');
    const num0 = requireInt(p, 'num', { min: 0 });
    const rows = this.skuRows(p);
    const product = this.store.upsertProduct({
      productId: this.store.ids.productId(),
      shopId: shop.platformShopId,
      outerProductId: strParam(p, 'outer_id') ?? '',
      title,
      description: strParam(p, 'desc') ?? '',
      categoryId: requireId(p, 'cid'),
      images: [],
      attributes: {},
    });
    if (rows.length === 0) rows.push({ properties: '', quantity: num0, priceFen, outerId: strParam(p, 'outer_id') ?? product.productId });
    this.applySkuRows(shop, product.productId, rows);
    return { item: { num_iid: num(product.productId), created: gmt8(product.createdAt) } };
  }

  private itemUpdate(shop: ShopState, p: Record<string, unknown>): unknown {
    const product = this.store.product(requireId(p, 'num_iid'), shop.platformShopId);
    this.applySkuRows(shop, product.productId, this.skuRows(p));
    const updated = this.store.upsertProduct({
      ...product,
      title: strParam(p, 'title') ?? product.title,
      description: strParam(p, 'desc') ?? product.description,
      outerProductId: strParam(p, 'outer_id') ?? product.outerProductId,
    });
    return { item: { num_iid: num(updated.productId), modified: gmt8(updated.updatedAt) } };
  }

  // ---- coupons ----

  private couponAdd(shop: ShopState, p: Record<string, unknown>): unknown {
    const denomination = requireInt(p, 'denominations');
    if (!DENOMINATIONS.includes(denomination)) throw new SimError('param_invalid', `denominations must be one of ${DENOMINATIONS.join(', ')}`);
    const condition = requireInt(p, 'condition', { min: 0 });
    if (condition !== 0 && condition <= denomination) throw new SimError('param_invalid', 'condition must be greater than denominations');
    const start = p.start_time ? this.time(p, 'start_time') : Date.now();
    const end = this.time(p, 'end_time');
    if (end <= start) throw new SimError('param_invalid', 'end_time must be after start_time');
    const active = [...this.store.coupons.values()].filter((c) => c.shopId === shop.platformShopId && c.endTime > Date.now());
    if (active.length >= 50) throw new SimError('business', 'a shop may have at most 50 active coupons', { subCode: 'isv.coupon-count-exceeded' });
    const c = this.store.addCoupon({ shopId: shop.platformShopId, denominationYuan: denomination, conditionYuan: condition, startTime: start, endTime: end });
    return { coupon_id: num(c.couponId) };
  }

  private couponSend(shop: ShopState, p: Record<string, unknown>): unknown {
    const couponId = requireId(p, 'coupon_id');
    const coupon = this.store.coupons.get(couponId);
    if (!coupon || coupon.shopId !== shop.platformShopId) throw new SimError('not_found', `coupon ${couponId} does not exist`, { subCode: 'isv.coupon-not-exist' });
    const nicks = requireStr(p, 'buyer_nick').split(',').map((n) => n.trim()).filter(Boolean);
    if (nicks.length > 100) throw new SimError('param_invalid', 'at most 100 buyer_nick per call');
    const ok: { buyer_nick: string; coupon_number: RawNumber | string }[] = [];
    const failed: { buyer_nick: string; reason: string }[] = [];
    const expired = coupon.endTime <= Date.now();
    for (const nick of nicks) {
      if (expired) failed.push({ buyer_nick: nick, reason: 'coupon expired' });
      else if (coupon.issued[nick]) failed.push({ buyer_nick: nick, reason: 'buyer already received this coupon' });
      else if (/^bad|invalid|unknown/i.test(nick)) failed.push({ buyer_nick: nick, reason: 'buyer does not exist' });
      else {
        const number = this.store.ids.couponId();
        coupon.issued[nick] = number;
        ok.push({ buyer_nick: nick, coupon_number: num(number) });
      }
    }
    return { is_success: true, coupon_results: { coupon_result: ok }, failure_buyers: { error_message: failed } };
  }

  // ---- TMC ----

  private tmcConsume(appKey: string, p: Record<string, unknown>): unknown {
    const quantity = intParam(p, 'quantity', { min: 10, max: 200 }) ?? 100;
    const msgs = this.tmcQueue(appKey).consume(quantity, Date.now(), strParam(p, 'group_name') || TMC_DEFAULT_GROUP);
    return {
      messages: {
        tmc_message: msgs.map((m) => ({
          id: num(m.id),
          topic: m.topic,
          content: m.content,
          pub_app_key: m.pubAppKey,
          pub_time: formatGmt8(new Date(m.pubTime)),
          outgoing_time: formatGmt8(new Date()),
          user_id: num(m.userId),
          user_nick: m.userNick,
        })),
      },
    };
  }

  protected pushEncoding(): null {
    return null;
  }

  protected onOrderEvent(o: SimOrder, event: SimOrderEvent): void {
    const shop = this.store.shops.get(o.shopId);
    if (!shop) return;
    const drop = this.faults.settings.pushDropRate;
    if (drop > 0 && Math.random() < drop) {
      this.tmcDropped++;
      return;
    }
    const payment = fenToYuan(orderPaidFen(o));
    const base: Record<string, unknown> = {
      tid: o.orderId,
      oid: o.items[0]?.lineId ?? o.orderId,
      seller_nick: shop.shopName,
      buyer_nick: `${o.buyerNick.slice(0, 1)}**`,
      payment,
      status: TOPIC[event].replace(/^taobao_(trade|refund)_/, ''),
      type: 'fixed',
      modified: formatGmt8(new Date(o.updatedAt)),
    };
    if (event === 'refunded') Object.assign(base, { refund_id: this.store.ids.lineId(), refund_fee: payment });
    // ids inside content are numbers in TOP messages: write them as exact literals
    const content = JSON.stringify(base).replace(/"(tid|oid|refund_id)":"(\d+)"/g, '"$1":$2');
    const msg: TmcMessage = { id: this.store.ids.messageId(), topic: TOPIC[event], content, pubAppKey: shop.appKey, pubTime: Date.now(), userId: shop.platformShopId, userNick: shop.shopName };
    this.tmcQueue(shop.appKey).publish(msg);
    // pushed at once to a connected TMC socket of the app (else it waits for one, or for an HTTP consume)
    this.tmcSocket.notify(shop.appKey);
  }
}

function skuProperties(s: SimSku): string {
  return s.specs.properties ?? `1627207:${Number(s.skuId.slice(-6))}`;
}

export async function startTaobaoSimulator(opts: SimulatorOptions = {}): Promise<TaobaoSimulator> {
  return new TaobaoSimulator(opts).listen();
}
