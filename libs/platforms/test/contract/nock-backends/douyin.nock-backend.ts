import type { IncomingHttpHeaders } from 'node:http';
import { isLosslessNumber } from 'lossless-json';
import { RawNumber, canonicalJson, canonicaliseDouyinParamJson, douyinSign, parseLossless, type DouyinSignMethod } from '../../../src/signing';
import type { InjectedFault, SeedOrderStatus } from '../contract-backend';
import { NockBackendBase, orderTotals, type NockReply, type StoredOrder } from './nock-backend.base';

const STATUS: Record<SeedOrderStatus, { order_status: number; main_status: number }> = {
  pending_payment: { order_status: 1, main_status: 1 },
  paid: { order_status: 2, main_status: 2 },
  shipped: { order_status: 3, main_status: 3 },
  completed: { order_status: 5, main_status: 5 },
  cancelled: { order_status: 4, main_status: 4 },
  refunded: { order_status: 4, main_status: 21 },
};

const FAULTS: Record<InjectedFault, [number, string, string]> = {
  busy: [20000, 'isp.service-error:1001', '服务繁忙'],
  rate_limited: [60000, 'isv.traffic-limited', '调用频率超限'],
  token_expired: [40003, 'isv.access-token-expired', 'access_token已过期'],
  auth_revoked: [30001, 'dop.authorization-no-existed', '店铺授权已失效'],
  invalid_request: [40001, 'isv.parameter-missing', '缺少必要参数'],
};

const raw = (v: string) => new RawNumber(v);
const s = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : 0);

/** Douyin open platform over nock: query-string system params, signed canonical JSON body. */
export class DouyinNockBackend extends NockBackendBase {
  readonly platform = 'douyin' as const;

  constructor() {
    super('douyin', '77001234', '7000000000000000001', 'douyin-test-secret');
  }

  static async create(): Promise<DouyinNockBackend> {
    return new DouyinNockBackend().start();
  }

  protected handle(url: URL, rawBody: string): NockReply {
    const q = url.searchParams;
    const method = q.get('method') ?? '';
    if (url.pathname !== `/${method.replace(/\./g, '/')}`) return this.err(40001, 'isv.parameter-invalid', 'path does not match method');
    if (q.get('app_key') !== this.creds.appKey) return this.err(40003, 'isv.app-id-invalid', 'bad app_key');
    if (q.get('v') !== '2' || !/^\d{10}$/.test(q.get('timestamp') ?? '')) return this.err(40003, 'isv.timestamp-invalid', 'bad v or timestamp');
    const signMethod = (q.get('sign_method') ?? 'md5') as DouyinSignMethod;
    const body = rawBody === '' ? '{}' : rawBody;
    // stricter than the gateway (which re-sorts): our adapter must send the Go SDK's utils.Marshal form itself
    if (canonicaliseDouyinParamJson(body) !== body) return this.err(40003, 'isv.signature-invalid', 'body is not canonical JSON');
    const expected = douyinSign({ appKey: this.creds.appKey, appSecret: this.creds.appSecret, method, paramJson: body, timestamp: q.get('timestamp') ?? '', v: '2', signMethod });
    if (q.get('sign') !== expected) return this.err(40003, 'isv.signature-invalid', 'sign mismatch');
    const p = parseLossless(body) as Record<string, unknown>;

    if (method === 'token.refresh') {
      if (q.has('access_token')) return this.err(40001, 'isv.parameter-invalid', 'token calls carry no access_token');
      if (p.grant_type !== 'refresh_token') return this.err(50001, 'dop.token-generate-failed:grant-type-invalid', 'grant_type');
      const t = this.rotateTokens(String(p.refresh_token ?? ''));
      if (!t) return this.err(50001, 'dop.token-generate-failed:token-invalid', 'refresh_token invalid');
      this.record(method, p);
      return this.ok({ access_token: t.accessToken, expires_in: t.expiresInSec, refresh_token: t.refreshToken, scope: 'SCOPE', shop_id: raw(this.platformShopId), shop_name: 'nock shop' });
    }

    const state = this.tokenState(q.get('access_token'));
    if (state === 'expired') return this.err(40003, 'isv.access-token-expired', 'access_token已过期');
    if (state === 'invalid') return this.err(40003, 'isv.access-token-invalid', 'access_token无效');
    const fault = this.takeFault(method);
    if (fault) return this.err(...FAULTS[fault]);
    this.record(method, p);
    const reply = this.dispatch(method, p);
    const lost = this.takeFault(method, 'after');
    return lost ? this.err(...FAULTS[lost]) : reply;
  }

  private dispatch(method: string, p: Record<string, unknown>): NockReply {
    switch (method) {
      case 'order.searchList': {
        const page = Number(p.page ?? 0);
        const size = Number(p.size ?? 20);
        if (size > 100) return this.err(40003, 'isv.parameter-invalid', 'size > 100');
        const all = this.ordersInWindow(Number(p.update_time_start) * 1000, Number(p.update_time_end) * 1000 + 999);
        const list = p.order_asc === true ? all : [...all].reverse();
        return this.ok({ page, size, total: all.length, shop_order_list: list.slice(page * size, page * size + size).map((o) => this.orderJson(o)) });
      }
      case 'order.orderDetail': {
        const o = this.orders.get(String(p.shop_order_id ?? ''));
        if (!o) return this.err(40004, 'isv.business-failed:order-not-exist', '订单不存在');
        return this.ok({ shop_order_detail: this.orderJson(o) });
      }
      case 'order.logisticsAdd':
      case 'order.logisticsAddMultiPack': {
        const o = this.orders.get(String(p.order_id ?? ''));
        if (!o) return this.err(40004, 'isv.business-failed:order-not-exist', '订单不存在');
        if (o.status !== 'paid') return this.err(40004, 'isv.business-failed:status-invalid', '订单状态不允许发货');
        const pack = method === 'order.logisticsAdd' ? p : ((p.pack_list as Record<string, unknown>[]) ?? [])[0] ?? {};
        this.ship(o, String(pack.logistics_code ?? ''), String(pack.company_code ?? ''));
        return this.ok({});
      }
      case 'sku.syncStock': {
        const bad = this.requireInt64(p, 'product_id', 'sku_id');
        if (bad) return bad;
        const sku = this.findSku(String(p.product_id), String(p.sku_id));
        if (!sku) return this.err(40004, 'isv.business-failed:sku-not-exist', 'sku不存在');
        const n = Number(String(p.stock_num));
        if (p.incremental === true) {
          const idem = String(p.idempotent_id ?? '');
          if (!idem) return this.err(40002, 'isv.parameter-missing:idempotent_id', 'idempotent_id required');
          if (this.seenIdempotency.has(idem)) return this.err(40003, 'isv.idempotent-id-existed', 'idempotent id used');
          this.seenIdempotency.add(idem);
          sku.stock = Math.max(0, sku.stock + n);
        } else sku.stock = n;
        return this.ok({});
      }
      case 'sku.detail': {
        const bad = this.requireInt64(p, 'sku_id');
        if (bad) return bad;
        const hit = this.findSkuAnywhere(String(p.sku_id));
        if (!hit) return this.err(40004, 'isv.business-failed:sku-not-exist', 'sku不存在');
        return this.ok({ id: raw(hit.sku.skuId), product_id: raw(hit.product.productId), code: hit.sku.skuCode, stock_num: hit.sku.stock, price: hit.sku.priceFen });
      }
      case 'sku.editPrice': {
        const bad = this.requireInt64(p, 'product_id', 'sku_id');
        if (bad) return bad;
        const sku = this.findSku(String(p.product_id), String(p.sku_id));
        if (!sku) return this.err(40004, 'isv.business-failed:sku-not-exist', 'sku不存在');
        sku.priceFen = Number(String(p.price));
        return this.ok({});
      }
      case 'product.addV2':
      case 'product.editV2': {
        const rows = JSON.parse(String(p.spec_prices ?? '[]')) as { code: string; price: number; stock_num: number; sku_id?: string }[];
        if (!p.name || rows.length === 0) return this.err(40002, 'isv.parameter-missing', 'name / spec_prices');
        if (p.product_format_new !== undefined && !isProductFormat(p.product_format_new)) return this.err(40003, 'isv.parameter-invalid', 'product_format_new格式错误');
        if (method === 'product.editV2') {
          const bad = this.requireInt64(p, 'product_id');
          if (bad) return bad;
          const product = this.products.get(String(p.product_id));
          if (!product) return this.err(40004, 'isv.business-failed:product-not-exist', '商品不存在');
          product.title = String(p.name);
          for (const r of rows) {
            const sku = product.skus.find((x) => x.skuId === r.sku_id || x.skuCode === r.code);
            if (sku) Object.assign(sku, { priceFen: r.price, stock: r.stock_num, skuCode: r.code });
            else product.skus.push({ skuId: this.newId('17'), skuCode: r.code, priceFen: r.price, originalPriceFen: r.price, stock: r.stock_num });
          }
          return this.ok({});
        }
        const productId = this.newId('36');
        const skus = rows.map((r) => ({ skuId: this.newId('17'), skuCode: r.code, priceFen: r.price, originalPriceFen: r.price, stock: r.stock_num }));
        this.products.set(productId, { productId, outerProductId: String(p.outer_product_id ?? ''), title: String(p.name), skus });
        return this.ok({ product_id: raw(productId), outer_product_id: String(p.outer_product_id ?? ''), sku: skus.map((k) => ({ sku_id: raw(k.skuId), code: k.skuCode, out_sku_id: k.skuCode })) });
      }
      case 'product.detail': {
        // by product_id (int64) or by out_product_id (our outer id)
        const byOuter = p.product_id === undefined;
        if (!byOuter) {
          const bad = this.requireInt64(p, 'product_id');
          if (bad) return bad;
        } else if (!p.out_product_id) return this.err(40002, 'isv.parameter-missing', 'product_id or out_product_id');
        const product = byOuter ? [...this.products.values()].find((x) => x.outerProductId === String(p.out_product_id)) : this.products.get(String(p.product_id));
        if (!product) return this.err(40004, 'isv.business-failed:product-not-exist', '商品不存在');
        return this.ok({
          product_id: raw(product.productId),
          product_id_str: product.productId,
          outer_product_id: product.outerProductId ?? '',
          name: product.title ?? '',
          market_price: Math.max(0, ...product.skus.map((k) => k.originalPriceFen)),
          spec_prices: product.skus.map((k) => ({ sku_id: raw(k.skuId), code: k.skuCode, outer_sku_id: k.skuCode, price: k.priceFen, stock_num: k.stock })),
        });
      }
      default:
        return this.err(70000, 'isp.api-service-off', `unknown method ${method}`);
    }
  }

  private requireInt64(p: Record<string, unknown>, ...keys: string[]): NockReply | null {
    for (const k of keys) if (!isLosslessNumber(p[k])) return this.err(40003, 'isv.parameter-format-invalid', `${k} must be an int64 number`);
    return null;
  }

  private orderJson(o: StoredOrder): Record<string, unknown> {
    const st = STATUS[o.status];
    const t = orderTotals(o);
    return {
      order_id: o.platformOrderId,
      shop_id: raw(this.platformShopId),
      order_status: st.order_status,
      main_status: st.main_status,
      create_time: s(o.createdAt),
      update_time: s(o.updatedAt),
      pay_time: s(o.paidAt),
      pay_type: 1,
      order_amount: t.totalFen,
      pay_amount: t.paidFen,
      post_amount: o.shippingFen,
      promotion_amount: o.discountFen,
      mask_post_receiver: '张*',
      mask_post_tel: '138****0000',
      logistics_info: o.shipped ? [{ tracking_no: o.shipped.trackingNo, company: o.shipped.carrierCode }] : [],
      sku_order_list: o.items.map((i) => ({
        order_id: i.lineId,
        parent_order_id: o.platformOrderId,
        product_id: raw(i.productId),
        sku_id: raw(i.skuId),
        out_sku_id: i.skuCode,
        code: i.skuCode,
        product_name: i.title,
        item_num: i.quantity,
        goods_price: i.unitPriceFen,
        origin_amount: i.unitPriceFen * i.quantity,
        pay_amount: i.unitPriceFen * i.quantity,
        promotion_amount: 0,
        order_status: st.order_status,
      })),
    };
  }

  private ok(data: unknown): NockReply {
    return [200, canonicalJson({ code: 10000, msg: 'success', sub_code: '', sub_msg: '', log_id: 'nock', data }), { 'content-type': 'application/json' }];
  }

  private err(code: number, subCode: string, subMsg: string): NockReply {
    return [200, canonicalJson({ code, msg: code === 60000 ? '调用频率超限' : '处理失败', sub_code: subCode, sub_msg: subMsg, log_id: 'nock', data: {} }), { 'content-type': 'application/json' }];
  }
}

/** product_format_new as the SDK documents it: a JSON string {"<property_id>":[{"value":number,"name":string,"diy_type":number}]} */
function isProductFormat(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  let o: unknown;
  try {
    o = parseLossless(v);
  } catch {
    return false;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return false;
  return Object.entries(o as Record<string, unknown>).every(
    ([k, vals]) =>
      /^\d+$/.test(k) &&
      Array.isArray(vals) &&
      vals.length > 0 &&
      vals.every((x: Record<string, unknown>) => x !== null && typeof x === 'object' && isLosslessNumber(x.value) && typeof x.name === 'string' && isLosslessNumber(x.diy_type)),
  );
}
