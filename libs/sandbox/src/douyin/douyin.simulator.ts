import type { IncomingMessage } from 'node:http';
import { isLosslessNumber } from 'lossless-json';
import { canonicalJson, douyinPushSign, parseLossless, rawNumber, type RawNumber } from '@app/platforms/signing';
import type { IdFactory } from '../core/ids';
import { boolParam, idParam, intParam, parseJsonObject, requireId, requireInt, requireStr, strParam } from '../core/lossless';
import type { PushEncoding } from '../core/push-delivery';
import { SimError, type SimErrorKind } from '../core/sim-error';
import { PlatformSimulator, type ParsedCall } from '../core/simulator';
import { lineGoodsFen, orderGoodsFen, orderPaidFen, type IdScheme, type ShopState } from '../core/store';
import type { SimOrder, SimOrderEvent, SimShopConfig, SimSku, SimulatorOptions } from '../core/types';
import { dyCouponAble, dyCouponCreate, dyCouponDetail, dyCouponList, dyPromotionDetail } from './douyin.coupons';
import { verifyDouyinRequest } from './douyin.verify';

export const DOUYIN_DEMO_SHOP: SimShopConfig = {
  platformShopId: '100001',
  appKey: '7000000000000000001',
  appSecret: 'a1b2c3d4-0000-4000-8000-000000000001',
  accessToken: 'douyin-demo-access-token',
  refreshToken: 'douyin-demo-refresh-token',
  tokenTtlSec: 7 * 24 * 3600,
  shopName: '抖店演示店铺',
};

const TOKEN_METHODS = new Set(['token.create', 'token.refresh']);

const ERRORS: Record<SimErrorKind, { code: number; msg: string; subCode: string }> = {
  app_key_missing: { code: 40001, msg: '缺少必选参数', subCode: 'isv.app-id-missing' },
  app_key_invalid: { code: 40003, msg: '非法的参数', subCode: 'isv.app-id-invalid' },
  signature_missing: { code: 40001, msg: '缺少必选参数', subCode: 'isv.signature-missing' },
  signature_invalid: { code: 40003, msg: '非法的参数', subCode: 'isv.signature-invalid' },
  timestamp_invalid: { code: 40003, msg: '非法的参数', subCode: 'isv.timestamp-invalid' },
  method_invalid: { code: 70000, msg: 'API已下线', subCode: 'isp.api-service-off' },
  token_missing: { code: 40001, msg: '缺少必选参数', subCode: 'isv.access-token-missing' },
  token_invalid: { code: 40003, msg: '非法的参数', subCode: 'isv.access-token-no-existed' },
  token_expired: { code: 40003, msg: '非法的参数', subCode: 'isv.access-token-expired' },
  auth_revoked: { code: 30001, msg: '没有权限', subCode: 'dop.authorization-no-existed' },
  rate_limited: { code: 60000, msg: '访问频率超限', subCode: 'isv.traffic-limited' },
  busy: { code: 20000, msg: '服务不可用', subCode: 'isp.service-error' },
  param_missing: { code: 40002, msg: '缺少必选参数', subCode: 'isv.parameter-missing' },
  param_invalid: { code: 40003, msg: '非法的参数', subCode: 'isv.parameter-invalid' },
  malformed: { code: 40003, msg: '非法的参数', subCode: 'isv.parameter-format-invalid' },
  too_large: { code: 40003, msg: '非法的参数', subCode: 'isv.parameter-invalid' },
  not_found: { code: 40003, msg: '非法的参数', subCode: 'isv.parameter-invalid' },
  business: { code: 40003, msg: '非法的参数', subCode: 'isv.parameter-invalid' },
};

const STATUS: Record<SimOrder['status'], { code: number; desc: string }> = {
  pending_payment: { code: 1, desc: '待确认/待支付' },
  paid: { code: 2, desc: '备货中' },
  shipped: { code: 3, desc: '已发货' },
  completed: { code: 5, desc: '已完成' },
  cancelled: { code: 4, desc: '已取消' },
  refunded: { code: 4, desc: '已取消' },
};

const PUSH_TAG: Record<SimOrderEvent, string> = { created: '100', paid: '101', shipped: '102', completed: '103', cancelled: '106', refunded: '206' };

const sec = (ms: number | null): number => (ms === null ? 0 : Math.floor(ms / 1000));
const num = (id: string): RawNumber | string => (/^\d+$/.test(id) ? rawNumber(id) : id);

/**
 * Douyin shop (抖店) open-API simulator: POST /<method/with/slashes>?app_key&method&timestamp&v&sign_method&sign&access_token,
 * body = param_json. Envelope {code:10000,msg,sub_code,sub_msg,log_id,data}. Money in fen, times in Unix seconds.
 */
export class DouyinSimulator extends PlatformSimulator {
  readonly platform = 'douyin' as const;
  private logSeq = 0;

  constructor(opts: SimulatorOptions = {}) {
    super(opts, [DOUYIN_DEMO_SHOP]);
  }

  protected idScheme(ids: IdFactory): IdScheme {
    return {
      orderId: () => ids.numeric('69', 19),
      lineId: () => ids.numeric('69', 19),
      productId: () => ids.numeric('36', 19),
      skuId: () => ids.numeric('17', 19),
      couponId: () => ids.numeric('55', 19),
      messageId: () => ids.numeric('73', 19),
    };
  }

  // fuwu.jinritemai.com/authorize?service_id=...&state=... (PROTOCOLS.md 1.6); the simulator takes the app key as
  // service_id and a redirect_uri (the real callback is the one registered for the app: unconfirmed)
  protected authorizePage(): { path: string; appKeyParam: string; redirectParam: string } {
    return { path: '/authorize', appKeyParam: 'service_id', redirectParam: 'redirect_uri' };
  }

  protected methodHint(_req: IncomingMessage, url: URL): string | null {
    return url.searchParams.get('method');
  }

  /** The request verifier, exposed for tests (also used by the server). */
  verify = (parts: Parameters<typeof verifyDouyinRequest>[0], nowMs?: number) => verifyDouyinRequest(parts, (k) => this.store.appSecret(k), nowMs);

  protected parseCall(req: IncomingMessage, url: URL, body: Buffer): ParsedCall {
    if (req.method !== 'POST') throw new SimError('param_invalid', 'only POST is supported');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const v = this.verify({ path: url.pathname, query, rawBody: body.toString('utf8') });
    const params = parseJsonObject(v.paramJson);
    if (TOKEN_METHODS.has(v.method)) return { method: v.method, appKey: v.appKey, shop: null, params, tokenCall: true };
    const token = query.access_token;
    if (!token) throw new SimError('token_missing', 'access_token is required');
    const shop = this.store.authenticate(v.appKey, token);
    return { method: v.method, appKey: v.appKey, shop, params, tokenCall: false };
  }

  protected successBody(_call: ParsedCall, data: unknown): unknown {
    return { code: 10000, msg: 'success', sub_code: '', sub_msg: '', err_no: 0, message: 'success', log_id: this.logId(), data: data ?? {} };
  }

  protected errorBody(err: SimError, _method: string | null): { status: number; body: unknown } {
    const e = ERRORS[err.kind];
    let subCode = err.extra.subCode ?? e.subCode;
    if (err.kind === 'token_invalid' && /does not belong/.test(err.message)) subCode = 'isv.access-token-invalid';
    const code = err.extra.code ?? e.code;
    return { status: 200, body: { code, msg: e.msg, sub_code: subCode, sub_msg: err.message, err_no: code, message: err.message, log_id: this.logId(), data: {} } };
  }

  private logId(): string {
    return `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${String(++this.logSeq).padStart(10, '0')}`;
  }

  protected execute(call: ParsedCall): unknown {
    const p = call.params;
    switch (call.method) {
      case 'token.create':
        return this.tokenCreate(call);
      case 'token.refresh':
        return this.tokenRefresh(call);
      case 'order.searchList':
        return this.searchList(call.shop!, p);
      case 'order.orderDetail':
        return { shop_order_detail: this.orderJson(this.store.order(requireId(p, 'shop_order_id'), call.shop!.platformShopId), true) };
      // shop coupons (marketing.*): douyin.coupons.ts
      case 'marketing.createCoupon':
        return dyCouponCreate(this.store, call.shop!, p);
      case 'marketing.GetShopCouponMetaList':
        return dyCouponList(this.store, call.shop!, p);
      case 'marketing.GetCouponDetail':
        return dyCouponDetail(this.store, call.shop!, p);
      case 'marketing.AbleCouponMeta':
        return dyCouponAble(this.store, call.shop!, p);
      case 'order.logisticsAdd':
        return this.logisticsAdd(call.shop!, p);
      case 'sku.syncStock':
        return this.syncStock(call.shop!, p);
      case 'sku.detail': {
        const sku = this.findSku(call.shop!, p);
        return this.skuJson(sku);
      }
      case 'sku.editPrice': {
        const sku = this.findSku(call.shop!, p);
        this.store.setPrice(sku, requireInt(p, 'price', { min: 1 }));
        return {};
      }
      case 'product.addV2':
        return this.productAdd(call.shop!, p);
      case 'product.editV2':
        return this.productEdit(call.shop!, p);
      case 'product.detail': {
        const productId = idParam(p, 'product_id');
        const product = productId
          ? this.store.product(productId, call.shop!.platformShopId)
          : this.store.productByOuterId(call.shop!.platformShopId, requireStr(p, 'out_product_id'));
        if (!product) throw new SimError('not_found', '商品不存在 (product does not exist)');
        return this.productJson(product.productId);
      }
      default:
        throw new SimError('method_invalid', `API ${call.method} is not available`);
    }
  }

  // ---- tokens ----

  private tokenJson(shop: ShopState): unknown {
    const rec = this.store.tokenRecord(shop.accessToken)!;
    return {
      access_token: shop.accessToken,
      expires_in: Math.max(0, Math.floor((rec.expiresAt - Date.now()) / 1000)),
      refresh_token: shop.refreshToken,
      scope: 'SCOPE',
      shop_id: num(shop.platformShopId),
      shop_name: shop.shopName,
      authority_id: '',
      auth_subject_type: 'Shop',
    };
  }

  /** same pair while more than 1 hour remains, else a new one (Douyin's documented refresh rule) */
  private currentOrNewTokens(shop: ShopState): ShopState {
    const rec = this.store.tokenRecord(shop.accessToken);
    if (rec && !rec.revoked && rec.expiresAt - Date.now() > 3600_000) return shop;
    return this.store.issueTokens(shop.platformShopId);
  }

  private tokenCreate(call: ParsedCall): unknown {
    const grant = requireStr(call.params, 'grant_type');
    let shop: ShopState;
    if (grant === 'authorization_self') {
      const shopId = idParam(call.params, 'shop_id');
      const candidates = this.store.shopsForApp(call.appKey).filter((s) => !shopId || s.platformShopId === shopId);
      if (candidates.length === 0) throw new SimError('business', 'no authorization for this shop', { code: 50001, subCode: 'dop.token-generate-failed:no-authorization' });
      shop = candidates[0];
    } else if (grant === 'authorization_code') {
      try {
        shop = this.store.useAuthCode(requireStr(call.params, 'code'), call.appKey);
      } catch {
        throw new SimError('business', 'authorization code is invalid', { code: 50001, subCode: 'dop.token-generate-failed:code-invalid' });
      }
      if (shop.appKey !== call.appKey) throw new SimError('business', 'code belongs to another app', { code: 50001, subCode: 'dop.token-generate-failed:code-invalid' });
      return this.tokenJson(this.store.issueTokens(shop.platformShopId));
    } else {
      throw new SimError('business', `grant_type ${grant} is invalid`, { code: 50001, subCode: 'dop.token-generate-failed:grant-type-invalid' });
    }
    if (this.store.tokenRecord(shop.accessToken)?.revoked) throw new SimError('business', 'authorization revoked', { code: 50001, subCode: 'dop.token-generate-failed:no-authorization' });
    return this.tokenJson(this.currentOrNewTokens(shop));
  }

  private tokenRefresh(call: ParsedCall): unknown {
    const grant = requireStr(call.params, 'grant_type');
    if (grant !== 'refresh_token') throw new SimError('business', `grant_type ${grant} is invalid`, { code: 50001, subCode: 'dop.token-generate-failed:grant-type-invalid' });
    let shop: ShopState;
    try {
      shop = this.store.useRefreshToken(call.appKey, requireStr(call.params, 'refresh_token'));
    } catch (e) {
      const kind = e instanceof SimError ? e.kind : 'token_invalid';
      const sub = kind === 'token_expired' ? 'token-expired' : kind === 'auth_revoked' ? 'no-authorization' : 'token-invalid';
      throw new SimError('business', e instanceof Error ? e.message : 'refresh failed', { code: 50001, subCode: `dop.token-generate-failed:${sub}` });
    }
    return this.tokenJson(this.currentOrNewTokens(shop));
  }

  // ---- orders ----

  private searchList(shop: ShopState, p: Record<string, unknown>): unknown {
    const page = intParam(p, 'page', { min: 0 }) ?? 0;
    const size = intParam(p, 'size', { min: 1, max: 100 }) ?? 10;
    const orderBy = strParam(p, 'order_by') ?? 'create_time';
    if (orderBy !== 'create_time' && orderBy !== 'update_time') throw new SimError('param_invalid', `order_by ${orderBy} is invalid`);
    const asc = boolParam(p, 'order_asc') ?? false;
    const uStart = intParam(p, 'update_time_start');
    const uEnd = intParam(p, 'update_time_end');
    const cStart = intParam(p, 'create_time_start');
    const cEnd = intParam(p, 'create_time_end');
    for (const [a, b] of [[uStart, uEnd], [cStart, cEnd]]) {
      if (a !== undefined && b !== undefined && a > b) throw new SimError('param_invalid', 'start time is after end time');
    }
    const combine = p.combine_status;
    let statusFilter: number | null = null;
    if (Array.isArray(combine) && combine.length > 0) {
      const s = intParam(combine[0] as Record<string, unknown>, 'order_status');
      if (s !== undefined) statusFilter = s;
    }
    const field = orderBy === 'update_time' ? 'updatedAt' : 'createdAt';
    // the window of the sorted field narrows the read (seconds on the wire, ms in the store); the filter checks all
    const [from, to] = field === 'updatedAt' ? [uStart, uEnd] : [cStart, cEnd];
    const fromMs = from === undefined ? Number.NEGATIVE_INFINITY : from * 1000;
    const toMs = to === undefined ? Number.POSITIVE_INFINITY : to * 1000 + 999;
    const all = this.store.queryOrders(shop.platformShopId, field, fromMs, toMs, asc, (o) => {
      const u = sec(o.updatedAt);
      const c = sec(o.createdAt);
      if (uStart !== undefined && u < uStart) return false;
      if (uEnd !== undefined && u > uEnd) return false;
      if (cStart !== undefined && c < cStart) return false;
      if (cEnd !== undefined && c > cEnd) return false;
      if (statusFilter !== null && STATUS[o.status].code !== statusFilter) return false;
      return true;
    });
    const slice = all.slice(page * size, page * size + size);
    return { page, size, total: all.length, shop_order_list: slice.map((o) => this.orderJson(o)) };
  }

  /** an order as order.searchList lists it, or (detail) as order.orderDetail answers: with promotion_detail when discounted */
  private orderJson(o: SimOrder, detail = false): unknown {
    const st = STATUS[o.status];
    const mainStatus = o.status === 'refunded' ? (o.refundedFrom === 'paid' ? 21 : o.refundedFrom === 'completed' ? 39 : 22) : st.code;
    const afterSale = o.status === 'refunded' ? { after_sale_status: 12, after_sale_type: 2, refund_status: 3 } : { after_sale_status: 0, after_sale_type: 0, refund_status: 0 };
    return {
      order_id: o.orderId,
      shop_id: num(o.shopId),
      order_status: st.code,
      order_status_desc: st.desc,
      main_status: mainStatus,
      main_status_desc: st.desc,
      order_type: 0,
      biz: 2,
      order_amount: orderPaidFen(o),
      pay_amount: o.status === 'pending_payment' ? 0 : orderPaidFen(o),
      post_amount: o.shippingFen,
      promotion_amount: o.discountFen,
      create_time: sec(o.createdAt),
      update_time: sec(o.updatedAt),
      pay_time: sec(o.paidAt),
      finish_time: sec(o.completedAt),
      ship_time: sec(o.shippedAt),
      cancel_time: sec(o.cancelledAt ?? o.refundedAt),
      buyer_words: '',
      seller_words: '',
      user_nick_name: o.buyerNick.slice(0, 1) + '***',
      encrypt_post_receiver: '#enc#receiver',
      encrypt_post_tel: '#enc#tel',
      mask_post_receiver: o.receiver.name,
      mask_post_tel: o.receiver.phone,
      mask_post_addr: { province: { name: '浙江省' }, city: { name: '杭州市' }, town: { name: '余杭区' }, detail: o.receiver.address },
      post_addr: { province: { name: '浙江省' }, city: { name: '杭州市' }, town: { name: '余杭区' }, encrypt_detail: '#enc#addr' },
      logistics_info: o.logistics
        ? [{ tracking_no: o.logistics.trackingNo, company: o.logistics.companyCode, company_name: o.logistics.companyCode, ship_time: sec(o.logistics.at) }]
        : [],
      sku_order_list: o.items.map((l) => ({
        order_id: l.lineId,
        parent_order_id: o.orderId,
        product_id: num(l.productId),
        product_name: l.title,
        sku_id: num(l.skuId),
        out_sku_id: l.skuCode,
        out_product_id: '',
        code: l.skuCode,
        item_num: l.quantity,
        goods_price: l.unitPriceFen,
        origin_amount: lineGoodsFen(l),
        promotion_amount: l.discountFen,
        pay_amount: lineGoodsFen(l) - l.discountFen,
        order_status: st.code,
        order_status_desc: st.desc,
        main_status: mainStatus,
        create_time: sec(o.createdAt),
        update_time: sec(o.updatedAt),
        pay_time: sec(o.paidAt),
        after_sale_info: afterSale,
      })),
      goods_amount: orderGoodsFen(o),
      ...(detail && o.discountFen > 0 ? dyPromotionDetail(this.store, o) : {}),
    };
  }

  private logisticsAdd(shop: ShopState, p: Record<string, unknown>): unknown {
    const orderId = requireId(p, 'order_id');
    const companyCode = requireStr(p, 'company_code');
    const trackingNo = requireStr(p, 'logistics_code');
    const o = this.store.order(orderId, shop.platformShopId);
    if (o.status === 'shipped' || o.status === 'completed') {
      if (o.logistics?.trackingNo === trackingNo) return { pack_id: `pack-${o.orderId}` };
      throw new SimError('business', '订单已发货 (order already shipped)');
    }
    if (o.status === 'refunded' || o.status === 'cancelled') throw new SimError('business', `订单已取消或已退款，不能发货 (order is ${o.status}; cannot ship)`);
    if (o.status !== 'paid') throw new SimError('business', `订单状态不允许发货 (order is ${o.status})`);
    this.store.transition(orderId, 'shipped', { logistics: { companyCode, trackingNo } });
    return { pack_id: `pack-${o.orderId}` };
  }

  // ---- catalogue ----

  private findSku(shop: ShopState, p: Record<string, unknown>): SimSku {
    const skuId = idParam(p, 'sku_id');
    if (skuId) return this.store.sku(skuId, shop.platformShopId);
    const code = strParam(p, 'code') ?? strParam(p, 'out_sku_id');
    if (!code) throw new SimError('param_missing', 'sku_id or code is required');
    return this.store.skuByCode(shop.platformShopId, code, idParam(p, 'product_id'));
  }

  private syncStock(shop: ShopState, p: Record<string, unknown>): unknown {
    const sku = this.findSku(shop, p);
    const incremental = boolParam(p, 'incremental') ?? false;
    const qty = requireInt(p, 'stock_num', incremental ? {} : { min: 0 });
    if (incremental) {
      const idem = strParam(p, 'idempotent_id');
      if (!idem) throw new SimError('param_missing', 'idempotent_id is required when incremental is true');
      const key = `${shop.platformShopId}|${idem}`;
      if (this.store.idempotencyIds.has(key)) throw new SimError('business', `idempotent_id ${idem} already used`, { subCode: 'isv.idempotent-id-existed' });
      this.store.setStock(sku, 'delta', qty);
      this.store.idempotencyIds.add(key);
    } else {
      this.store.setStock(sku, 'full', qty);
    }
    return {};
  }

  private skuJson(s: SimSku): unknown {
    const specs = Object.values(s.specs);
    return {
      id: num(s.skuId),
      sku_id: num(s.skuId),
      product_id: num(s.productId),
      code: s.skuCode,
      out_sku_id: s.skuCode,
      stock_num: s.stock,
      price: s.priceFen,
      market_price: s.originalPriceFen,
      spec_detail_name1: specs[0] ?? '',
      spec_detail_name2: specs[1] ?? '',
      spec_detail_name3: specs[2] ?? '',
      sku_status: s.available,
      update_time: sec(s.updatedAt),
    };
  }

  private productJson(productId: string): unknown {
    const pr = this.store.product(productId);
    return {
      product_id: num(pr.productId),
      out_product_id: pr.outerProductId,
      outer_product_id: pr.outerProductId,
      name: pr.title,
      description: pr.description,
      pic: pr.images,
      category_leaf_id: num(pr.categoryId),
      status: 0,
      check_status: 3,
      create_time: sec(pr.createdAt),
      update_time: sec(pr.updatedAt),
      // the product's struck-through price (划线价), fen: the highest of its SKUs' original prices
      market_price: Math.max(0, ...this.store.skusOf(productId).map((s) => s.originalPriceFen)),
      spec_prices: this.store.skusOf(productId).map((s) => this.skuJson(s)),
    };
  }

  /** spec_prices: a JSON string (or array) of SKU rows {sku_id?, code|outer_sku_id, price (fen), stock_num, spec_detail_name1..3} */
  private specRows(p: Record<string, unknown>): Record<string, unknown>[] {
    const raw = p.spec_prices;
    if (raw === undefined || raw === null || raw === '') return [];
    let rows: unknown = raw;
    if (typeof raw === 'string') rows = parseJsonArray(raw);
    if (!Array.isArray(rows) || rows.some((r) => r === null || typeof r !== 'object')) throw new SimError('param_invalid', 'spec_prices must be a JSON array of objects');
    return rows as Record<string, unknown>[];
  }

  private applyRows(shop: ShopState, productId: string, rows: Record<string, unknown>[]): { sku_id: RawNumber | string; code: string; outer_sku_id: string }[] {
    return rows.map((r) => {
      const code = strParam(r, 'code') ?? strParam(r, 'outer_sku_id') ?? strParam(r, 'out_sku_id');
      if (!code) throw new SimError('param_missing', 'spec_prices[].code is required');
      const price = requireInt(r, 'price', { min: 1, max: 100_000_000 });
      const stock = intParam(r, 'stock_num', { min: 0 }) ?? 0;
      const specs: Record<string, string> = {};
      for (const k of ['spec_detail_name1', 'spec_detail_name2', 'spec_detail_name3']) {
        const v = strParam(r, k);
        if (v) specs[k] = v;
      }
      const explicit = idParam(r, 'sku_id');
      const existing = explicit
        ? this.store.sku(explicit, shop.platformShopId)
        : this.store.skusOf(productId).find((s) => s.skuCode === code);
      const sku = this.store.upsertSku({
        skuId: existing?.skuId ?? this.store.ids.skuId(),
        productId,
        shopId: shop.platformShopId,
        skuCode: code,
        specs: Object.keys(specs).length ? specs : existing?.specs ?? {},
        stock,
        priceFen: price,
        originalPriceFen: intParam(r, 'market_price', { min: 1 }) ?? existing?.originalPriceFen ?? price,
      });
      return { sku_id: num(sku.skuId), code: sku.skuCode, outer_sku_id: sku.skuCode };
    });
  }

  /**
   * product_format_new: a JSON string {"<property_id>":[{"value":<number>,"name":"<string>","diy_type":<number>}]}
   * (the SDK's documented shape); the attributes as {property_id: name}. Anything else is refused.
   */
  private productFormat(p: Record<string, unknown>): Record<string, string> | null {
    const raw = p.product_format_new;
    if (raw === undefined || raw === null || raw === '') return null;
    const bad = (why: string) =>
      new SimError('param_invalid', `product_format_new格式错误: ${why} (expected {"<property_id>":[{"value":<number>,"name":"<string>","diy_type":<number>}]})`);
    if (typeof raw !== 'string') throw bad('must be a JSON string');
    let parsed: unknown;
    try {
      parsed = parseLossless(raw);
    } catch {
      throw bad('not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad('must be a JSON object');
    const out: Record<string, string> = {};
    for (const [key, values] of Object.entries(parsed as Record<string, unknown>)) {
      if (!/^\d+$/.test(key)) throw bad(`key ${key} is not a property id`);
      if (!Array.isArray(values) || values.length === 0) throw bad(`property ${key} must be a non-empty array`);
      for (const v of values) {
        const item = (v ?? {}) as Record<string, unknown>;
        if (typeof v !== 'object' || Array.isArray(v) || !isLosslessNumber(item.value) || typeof item.name !== 'string' || (item.diy_type !== undefined && !isLosslessNumber(item.diy_type))) {
          throw bad(`property ${key} values must be {value: number, name: string, diy_type: number}`);
        }
      }
      out[key] = (values as { name: string }[]).map((v) => v.name).join(',');
    }
    return out;
  }

  private productAdd(shop: ShopState, p: Record<string, unknown>): unknown {
    const name = requireStr(p, 'name');
    const attributes = this.productFormat(p) ?? {};
    const rows = this.specRows(p);
    if (rows.length === 0) throw new SimError('param_missing', 'spec_prices is required');
    const outer = strParam(p, 'outer_product_id') ?? strParam(p, 'out_product_id') ?? '';
    const product = this.store.upsertProduct({
      productId: this.store.ids.productId(),
      shopId: shop.platformShopId,
      outerProductId: outer,
      title: name,
      description: strParam(p, 'description') ?? '',
      categoryId: idParam(p, 'category_leaf_id') ?? '0',
      images: (strParam(p, 'pic') ?? '').split('|').filter(Boolean),
      attributes,
    });
    const skus = this.applyRows(shop, product.productId, rows);
    return { product_id: num(product.productId), out_product_id: outer, outer_product_id: outer, create_time: sec(product.createdAt), sku: skus };
  }

  private productEdit(shop: ShopState, p: Record<string, unknown>): unknown {
    const product = this.store.product(requireId(p, 'product_id'), shop.platformShopId);
    const attributes = this.productFormat(p);
    const rows = this.specRows(p);
    this.applyRows(shop, product.productId, rows);
    this.store.upsertProduct({
      ...product,
      title: strParam(p, 'name') ?? product.title,
      description: strParam(p, 'description') ?? product.description,
      images: p.pic !== undefined ? (strParam(p, 'pic') ?? '').split('|').filter(Boolean) : product.images,
      outerProductId: strParam(p, 'outer_product_id') ?? product.outerProductId,
      attributes: attributes ?? product.attributes,
    });
    return {};
  }

  // ---- pushes ----

  protected pushEncoding(): PushEncoding {
    return {
      encode: (appKey, items) => {
        const body = JSON.stringify(items.map((i) => i.item));
        const secret = this.store.appSecret(appKey) ?? '';
        return { body, headers: { 'app-id': appKey, 'event-sign': douyinPushSign(appKey, body, secret) } };
      },
      isAck: (status, body) => {
        if (status !== 200) return false;
        try {
          return (JSON.parse(body) as { code?: unknown }).code === 0;
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
    const base: Record<string, unknown> = {
      p_id: num(o.orderId),
      s_ids: o.items.map((l) => num(l.lineId)),
      shop_id: num(o.shopId),
      order_status: STATUS[o.status].code,
      order_type: 0,
      biz: 2,
      create_time: sec(o.createdAt),
      update_time: sec(o.updatedAt),
    };
    if (event === 'paid') Object.assign(base, { pay_amount: orderPaidFen(o), pay_time: sec(o.paidAt), pay_type: 1 });
    if (event === 'shipped') Object.assign(base, { logistics_msg: { express_company_id: o.logistics?.companyCode ?? '', logistics_code: o.logistics?.trackingNo ?? '' } });
    if (event === 'completed') Object.assign(base, { complete_time: sec(o.completedAt) });
    if (event === 'cancelled') Object.assign(base, { cancel_reason: '买家取消', cancel_time: sec(o.cancelledAt) });
    if (event === 'refunded') {
      Object.assign(base, {
        aftersale_id: num(this.store.ids.messageId()),
        aftersale_status: 12,
        aftersale_type: o.refundedFrom === 'paid' ? 2 : 1,
        s_id: num(o.items[0]?.lineId ?? o.orderId),
        refund_amount: orderPaidFen(o),
        refund_post_amount: o.shippingFen,
        apply_time: sec(o.refundedAt),
        success_time: sec(o.refundedAt),
      });
    }
    const messageId = this.store.ids.messageId();
    this.push.enqueue({ appKey: shop.appKey, messageId, item: { tag: PUSH_TAG[event], msg_id: messageId, data: canonicalJson(base) } });
  }
}

function parseJsonArray(text: string): unknown {
  try {
    return parseLossless(text);
  } catch {
    throw new SimError('malformed', 'spec_prices is not valid JSON');
  }
}

export async function startDouyinSimulator(opts: SimulatorOptions = {}): Promise<DouyinSimulator> {
  return new DouyinSimulator(opts).listen();
}
