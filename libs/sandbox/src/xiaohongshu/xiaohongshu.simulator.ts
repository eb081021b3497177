import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { fenToYuan } from '@app/platforms/signing';
import type { IdFactory } from '../core/ids';
import { intParam, parseJsonObject, requireInt, requireStr, strParam } from '../core/lossless';
import type { PushEncoding } from '../core/push-delivery';
import { SimError, type SimErrorKind } from '../core/sim-error';
import { PlatformSimulator, type ParsedCall } from '../core/simulator';
import { lineGoodsFen, orderPaidFen, type IdScheme, type ShopState } from '../core/store';
import type { SimOrder, SimOrderEvent, SimShopConfig, SimSku, SimulatorOptions } from '../core/types';
import { verifyXhsRequest } from './xiaohongshu.verify';

export const XHS_DEMO_SHOP: SimShopConfig = {
  platformShopId: '5f0000000000000000000001',
  appKey: 'a1b2c3d4e5f6a7b8c9d0',
  appSecret: 'xhs_test_secret_0001',
  accessToken: 'token-test-0001',
  refreshToken: 'refresh-test-0001',
  tokenTtlSec: 7 * 24 * 3600,
  shopName: '小红书演示店铺',
};

export const XHS_GATEWAY_PATH = '/ark/open_api/v3/common_controller';

const SYSTEM_FIELDS = new Set(['appId', 'timestamp', 'version', 'method', 'sign', 'accessToken']);
const TOKEN_METHODS = new Set(['oauth.getAccessToken', 'oauth.refreshToken']);

/**
 * Error numbers are the simulator's own (no public source gives the platform's); adapters must
 * classify by error_msg text: 'sign', 'token expired', 'rate limit', 'system busy', ...
 */
const ERRORS: Record<SimErrorKind, { code: number; prefix: string }> = {
  app_key_missing: { code: 1001, prefix: 'invalid appId' },
  app_key_invalid: { code: 1001, prefix: 'invalid appId' },
  signature_missing: { code: 1002, prefix: 'invalid sign' },
  signature_invalid: { code: 1002, prefix: 'invalid sign' },
  timestamp_invalid: { code: 1003, prefix: 'invalid timestamp' },
  method_invalid: { code: 1004, prefix: 'method not found' },
  token_missing: { code: 1005, prefix: 'accessToken is required' },
  token_invalid: { code: 1006, prefix: 'accessToken invalid' },
  token_expired: { code: 1007, prefix: 'token expired' },
  auth_revoked: { code: 1008, prefix: 'seller authorization revoked' },
  rate_limited: { code: 1009, prefix: 'rate limit exceeded, please retry later' },
  busy: { code: 1010, prefix: 'system busy, please retry later' },
  param_missing: { code: 1011, prefix: 'invalid parameter' },
  param_invalid: { code: 1011, prefix: 'invalid parameter' },
  malformed: { code: 1011, prefix: 'invalid parameter: malformed request body' },
  too_large: { code: 1011, prefix: 'invalid parameter: request body too large' },
  not_found: { code: 1012, prefix: 'not found' },
  business: { code: 1013, prefix: 'operation not allowed' },
};

const STATUS: Record<SimOrder['status'], number> = { pending_payment: 1, paid: 4, shipped: 6, completed: 7, cancelled: 9, refunded: 8 };
const MAX_PRICE_FEN = 10_000_000;

/**
 * Xiaohongshu Ark simulator: POST /ark/open_api/v3/common_controller (also /), one flat JSON body
 * with appId/timestamp/version/method/sign/accessToken beside the business fields.
 * {success,error_code,error_msg,data}. Money in fen; list and push times in ms; refundFee in yuan.
 */
export class XiaohongshuSimulator extends PlatformSimulator {
  readonly platform = 'xiaohongshu' as const;

  constructor(opts: SimulatorOptions = {}) {
    super(opts, [XHS_DEMO_SHOP]);
  }

  protected idScheme(ids: IdFactory): IdScheme {
    return {
      orderId: () => ids.numeric('P7', 19),
      lineId: () => ids.hex('7', 24),
      productId: () => ids.hex('64', 24),
      skuId: () => ids.hex('65', 24),
      couponId: () => ids.hex('66', 24),
      messageId: () => ids.hex('67', 24),
    };
  }

  // ark.xiaohongshu.com/ark/authorization?appId=&redirectUri=&state= (PROTOCOLS.md 3.6)
  protected authorizePage(): { path: string; appKeyParam: string; redirectParam: string } {
    return { path: '/ark/authorization', appKeyParam: 'appId', redirectParam: 'redirectUri' };
  }

  protected methodHint(): string | null {
    return null;
  }

  /** The request verifier, exposed for tests (also used by the server). */
  verify = (body: Record<string, unknown>) => verifyXhsRequest(body, (k) => this.store.appSecret(k));

  protected parseCall(req: IncomingMessage, url: URL, body: Buffer): ParsedCall {
    if (req.method !== 'POST') throw new SimError('param_invalid', 'only POST is supported');
    if (url.pathname !== XHS_GATEWAY_PATH && url.pathname !== '/') throw new SimError('method_invalid', `no gateway at ${url.pathname}`);
    const parsed = parseJsonObject(body.toString('utf8'));
    const v = this.verify(parsed);
    const params: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(parsed)) if (!SYSTEM_FIELDS.has(k)) params[k] = val;
    if (TOKEN_METHODS.has(v.method)) return { method: v.method, appKey: v.appId, shop: null, params, tokenCall: true };
    const token = strParam(parsed, 'accessToken');
    if (!token) throw new SimError('token_missing', 'accessToken is required');
    const shop = this.store.authenticate(v.appId, token);
    return { method: v.method, appKey: v.appId, shop, params, tokenCall: false };
  }

  protected successBody(_call: ParsedCall, data: unknown): unknown {
    return { success: true, error_code: 0, error_msg: '', data: data ?? {} };
  }

  protected errorBody(err: SimError): { status: number; body: unknown } {
    const e = ERRORS[err.kind];
    return { status: 200, body: { success: false, error_code: err.extra.code ?? e.code, error_msg: `${e.prefix}: ${err.message}`, data: null } };
  }

  protected execute(call: ParsedCall): unknown {
    const p = call.params;
    const shop = call.shop!;
    switch (call.method) {
      case 'oauth.getAccessToken': {
        let s: ShopState;
        try {
          s = this.store.useAuthCode(requireStr(p, 'code'), call.appKey);
        } catch {
          throw new SimError('param_invalid', 'code is invalid or expired');
        }
        return this.tokenJson(this.store.issueTokens(s.platformShopId));
      }
      case 'oauth.refreshToken': {
        const s = this.store.useRefreshToken(call.appKey, requireStr(p, 'refreshToken'));
        return this.tokenJson(this.store.issueTokens(s.platformShopId));
      }
      case 'order.getOrderList':
        return this.orderList(shop, p);
      case 'order.getOrderDetail':
        return this.orderDetail(this.store.order(requireStr(p, 'orderId'), shop.platformShopId));
      case 'order.orderDeliver':
        return this.deliver(shop, p);
      case 'inventory.syncSkuStock': {
        const sku = this.store.sku(requireStr(p, 'skuId'), shop.platformShopId);
        this.store.setStock(sku, 'full', requireInt(p, 'qty', { min: 0 }));
        return this.stockJson(sku);
      }
      case 'inventory.incSkuStock': {
        const sku = this.store.sku(requireStr(p, 'skuId'), shop.platformShopId);
        this.store.setStock(sku, 'delta', requireInt(p, 'qty'));
        return this.stockJson(sku);
      }
      case 'inventory.getSkuStock':
        return this.stockJson(this.store.sku(requireStr(p, 'skuId'), shop.platformShopId));
      case 'product.updateSkuPrice':
        return this.updatePrice(shop, p);
      case 'product.createItemV2':
        return this.createItem(shop, p);
      case 'product.updateItemV2':
        return this.updateItem(shop, p);
      case 'product.createSkuV2':
        return this.createSku(shop, p);
      case 'product.updateSkuV2':
        return this.updateSku(shop, p);
      case 'product.getDetailSkuList':
        return this.detailSkuList(shop, p);
      default:
        throw new SimError('method_invalid', `${call.method} is not supported`);
    }
  }

  private tokenJson(s: ShopState): unknown {
    const rec = this.store.tokenRecord(s.accessToken)!;
    const refresh = this.store.tokenRecord(s.refreshToken)!;
    return { accessToken: s.accessToken, accessTokenExpiresAt: rec.expiresAt, refreshToken: s.refreshToken, refreshTokenExpiresAt: refresh.expiresAt, sellerId: s.platformShopId, sellerName: s.shopName };
  }

  // ---- orders ----

  private orderList(shop: ShopState, p: Record<string, unknown>): unknown {
    const start = requireInt(p, 'startTime', { min: 0 });
    const end = requireInt(p, 'endTime', { min: 0 });
    const timeType = intParam(p, 'timeType') ?? 1;
    if (timeType !== 1 && timeType !== 2) throw new SimError('param_invalid', 'timeType must be 1 (created) or 2 (updated)');
    if (end < start) throw new SimError('param_invalid', 'endTime must not be before startTime');
    const maxWindow = timeType === 2 ? 1800 : 86400;
    if (end - start > maxWindow) throw new SimError('param_invalid', `time window exceeds ${maxWindow} seconds for timeType ${timeType}`);
    const pageNo = intParam(p, 'pageNo', { min: 1 }) ?? 1;
    const pageSize = intParam(p, 'pageSize', { min: 1, max: 100 }) ?? 50;
    const status = intParam(p, 'orderStatus') ?? 0;
    const field = timeType === 2 ? 'updatedAt' : 'createdAt';
    const all = this.store.queryOrders(shop.platformShopId, field, start * 1000, end * 1000 + 999, false, status ? (o) => STATUS[o.status] === status : undefined);
    return {
      total: all.length,
      pageNo,
      pageSize,
      maxPageNo: Math.max(1, Math.ceil(all.length / pageSize)),
      orderList: all.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((o) => this.orderSummary(o)),
    };
  }

  private orderSummary(o: SimOrder): Record<string, unknown> {
    return {
      orderId: o.orderId,
      orderType: 1,
      orderStatus: STATUS[o.status],
      orderAfterSalesStatus: o.status === 'refunded' ? 3 : 1,
      cancelStatus: 0,
      createdTime: o.createdAt,
      paidTime: o.paidAt ?? 0,
      updateTime: o.updatedAt,
      deliveryTime: o.shippedAt ?? 0,
      cancelTime: o.cancelledAt ?? 0,
      finishTime: o.completedAt ?? 0,
      promiseLastDeliveryTime: o.paidAt ? o.paidAt + 48 * 3600_000 : 0,
      provinceId: '330000',
      provinceName: '浙江省',
      cityId: '330100',
      cityName: '杭州市',
      districtId: '330110',
      districtName: '余杭区',
      customerRemark: '',
      sellerRemark: '',
      logistics: 'normal',
      totalMerchantDiscount: o.discountFen,
      totalRedDiscount: 0,
      userId: `user${o.buyerNick.replace(/\D/g, '').slice(0, 8)}`,
    };
  }

  private orderDetail(o: SimOrder): unknown {
    return {
      ...this.orderSummary(o),
      totalPayAmount: orderPaidFen(o),
      totalShippingFree: o.shippingFen,
      merchantActualReceiveAmount: orderPaidFen(o),
      expressTrackingNo: o.logistics?.trackingNo ?? '',
      expressCompanyCode: o.logistics?.companyCode ?? '',
      unpack: false,
      simpleDeliveryOrderList: [],
      openAddressId: `oa${o.orderId.slice(-10)}`,
      receiverName: o.receiver.name,
      receiverPhone: o.receiver.phone,
      receiverAddress: o.receiver.address,
      skuList: o.items.map((l) => ({
        skuId: l.skuId,
        itemId: l.productId,
        skuName: l.title,
        itemName: l.title,
        erpcode: l.skuCode,
        skuSpec: '',
        skuQuantity: l.quantity,
        totalPaidAmount: lineGoodsFen(l) - l.discountFen,
        totalMerchantDiscount: l.discountFen,
        totalRedDiscount: 0,
        skuDetailList: [{ skuId: l.skuId, barcode: '', erpCode: l.skuCode, quantity: l.quantity }],
      })),
    };
  }

  private deliver(shop: ShopState, p: Record<string, unknown>): unknown {
    const orderId = requireStr(p, 'orderId');
    const expressNo = requireStr(p, 'expressNo');
    const company = requireStr(p, 'expressCompanyCode');
    const o = this.store.order(orderId, shop.platformShopId);
    if ((o.status === 'shipped' || o.status === 'completed') && o.logistics?.trackingNo === expressNo) return {};
    if (o.status !== 'paid') throw new SimError('business', `order ${orderId} is ${o.status}; delivery refused`);
    this.store.transition(orderId, 'shipped', { logistics: { companyCode: company, trackingNo: expressNo } });
    return {};
  }

  // ---- catalogue ----

  private stockJson(s: SimSku): unknown {
    return { skuId: s.skuId, skuStockInfo: { available: s.stock, standalone: 0, reserved: 0, total: s.stock } };
  }

  private priceValue(v: unknown): number {
    if (Array.isArray(v)) {
      if (v.length === 0) throw new SimError('param_invalid', 'price must not be empty');
      const first = v[0];
      if (first !== null && typeof first === 'object') return requireInt(first as Record<string, unknown>, 'price', { min: 1, max: MAX_PRICE_FEN });
      return requireInt({ price: first }, 'price', { min: 1, max: MAX_PRICE_FEN });
    }
    return requireInt({ price: v }, 'price', { min: 1, max: MAX_PRICE_FEN });
  }

  private updatePrice(shop: ShopState, p: Record<string, unknown>): unknown {
    const sku = this.store.sku(requireStr(p, 'skuId'), shop.platformShopId);
    if (p.price === undefined) throw new SimError('param_missing', 'price is required');
    const price = this.priceValue(p.price);
    const original = intParam(p, 'originalPrice', { min: 1, max: MAX_PRICE_FEN }) ?? sku.originalPriceFen;
    if (price > original) throw new SimError('param_invalid', 'price must not exceed originalPrice');
    this.store.setPrice(sku, price, original);
    return {};
  }

  private createItem(shop: ShopState, p: Record<string, unknown>): unknown {
    const name = requireStr(p, 'name');
    const product = this.store.upsertProduct({
      productId: this.store.ids.productId(),
      shopId: shop.platformShopId,
      outerProductId: strParam(p, 'articleNo') ?? '',
      title: name,
      description: '',
      categoryId: requireStr(p, 'categoryId'),
      images: Array.isArray(p.images) ? (p.images as unknown[]).map(String) : [],
      attributes: {},
    });
    return { id: product.productId, name: product.title, createTime: product.createdAt, updateTime: product.updatedAt };
  }

  private updateItem(shop: ShopState, p: Record<string, unknown>): unknown {
    const product = this.store.product(requireStr(p, 'id'), shop.platformShopId);
    const updated = this.store.upsertProduct({
      ...product,
      title: strParam(p, 'name') ?? product.title,
      categoryId: strParam(p, 'categoryId') ?? product.categoryId,
      outerProductId: strParam(p, 'articleNo') ?? product.outerProductId,
      images: Array.isArray(p.images) ? (p.images as unknown[]).map(String) : product.images,
    });
    return { id: updated.productId, updateTime: updated.updatedAt };
  }

  private skuResult(s: SimSku): unknown {
    return { id: s.skuId, itemId: s.productId, erpCode: s.skuCode, price: s.priceFen, originalPrice: s.originalPriceFen, stock: s.stock, barcode: s.barcode ?? '', updateTime: s.updatedAt };
  }

  private createSku(shop: ShopState, p: Record<string, unknown>): unknown {
    const product = this.store.product(requireStr(p, 'itemId'), shop.platformShopId);
    const price = requireInt(p, 'price', { min: 1, max: MAX_PRICE_FEN });
    const original = requireInt(p, 'originalPrice', { min: 1, max: MAX_PRICE_FEN });
    if (price > original) throw new SimError('param_invalid', 'price must not exceed originalPrice');
    const erpCode = requireStr(p, 'erpCode');
    const specs: Record<string, string> = {};
    if (Array.isArray(p.variants)) {
      for (const v of p.variants as Record<string, unknown>[]) {
        const n = strParam(v, 'name') ?? strParam(v, 'id');
        const val = strParam(v, 'value');
        if (n && val) specs[n] = val;
      }
    }
    const existing = this.store.skusOf(product.productId).find((s) => s.skuCode === erpCode);
    if (existing) throw new SimError('param_invalid', `erpCode ${erpCode} already exists on sku ${existing.skuId}`);
    const sku = this.store.upsertSku({
      skuId: this.store.ids.skuId(),
      productId: product.productId,
      shopId: shop.platformShopId,
      skuCode: erpCode,
      specs,
      stock: intParam(p, 'stock', { min: 0 }) ?? 0,
      priceFen: price,
      originalPriceFen: original,
      barcode: strParam(p, 'barcode') ?? null,
    });
    return this.skuResult(sku);
  }

  /**
   * `product.getDetailSkuList`: the shop's SKUs with their items, newest update first. `id` (a SKU id)
   * narrows to that SKU; `updateTimeFrom` / `updateTimeTo` (Unix seconds), `buyable`, `lastId` (start after
   * that SKU), `pageNo` (from 1), `pageSize` (<= 100, default 50). Prices in fen, times in ms.
   */
  private detailSkuList(shop: ShopState, p: Record<string, unknown>): unknown {
    const pageNo = intParam(p, 'pageNo', { min: 1 }) ?? 1;
    const pageSize = intParam(p, 'pageSize', { min: 1, max: 100 }) ?? 50;
    const id = strParam(p, 'id');
    const from = intParam(p, 'updateTimeFrom', { min: 0 });
    const to = intParam(p, 'updateTimeTo', { min: 0 });
    const buyable = p.buyable === undefined || p.buyable === null ? undefined : p.buyable === true || p.buyable === 'true';
    let skus = this.store
      .shopSkus(shop.platformShopId)
      .filter((k) => !id || k.skuId === id)
      .filter((k) => from === undefined || k.updatedAt >= from * 1000)
      .filter((k) => to === undefined || k.updatedAt < (to + 1) * 1000)
      .filter((k) => buyable === undefined || k.available === buyable)
      .sort((a, b) => b.updatedAt - a.updatedAt || b.skuId.localeCompare(a.skuId));
    const lastId = strParam(p, 'lastId');
    if (lastId) {
      const at = skus.findIndex((k) => k.skuId === lastId);
      skus = at >= 0 ? skus.slice(at + 1) : skus;
    }
    const page = skus.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    return {
      pageNO: pageNo,
      pageSize,
      total: skus.length,
      data: page.map((k) => {
        const item = this.store.product(k.productId);
        return {
          item: { id: item.productId, name: item.title, categoryId: item.categoryId, articleNo: item.outerProductId, images: item.images, createTime: item.createdAt, updateTime: item.updatedAt },
          sku: {
            id: k.skuId,
            itemId: k.productId,
            name: item.title,
            price: k.priceFen,
            originalPrice: k.originalPriceFen,
            stock: k.stock,
            erpCode: k.skuCode,
            barcode: k.barcode ?? '',
            variants: Object.entries(k.specs).map(([name, value]) => ({ name, value })),
            buyable: k.available,
            updateTime: k.updatedAt,
          },
        };
      }),
    };
  }

  private updateSku(shop: ShopState, p: Record<string, unknown>): unknown {
    const sku = this.store.sku(requireStr(p, 'id'), shop.platformShopId);
    const price = intParam(p, 'price', { min: 1, max: MAX_PRICE_FEN }) ?? sku.priceFen;
    const original = intParam(p, 'originalPrice', { min: 1, max: MAX_PRICE_FEN }) ?? sku.originalPriceFen;
    if (price > original) throw new SimError('param_invalid', 'price must not exceed originalPrice');
    const stock = intParam(p, 'stock', { min: 0 });
    // upsertSku stores a new object: price and stock go on that one, not on the stale copy
    const updated = this.store.upsertSku({ ...sku, skuCode: strParam(p, 'erpCode') ?? sku.skuCode, barcode: strParam(p, 'barcode') ?? sku.barcode });
    this.store.setPrice(updated, price, original);
    if (stock !== undefined) this.store.setStock(updated, 'full', stock);
    return this.skuResult(sku);
  }

  // ---- pushes ----

  protected pushEncoding(): PushEncoding {
    return {
      encode: (appKey, items, target) => {
        const body = JSON.stringify(items.map((i) => i.item));
        const timestamp = String(Math.floor(Date.now() / 1000));
        const params: Record<string, string> = { ...Object.fromEntries(target.searchParams), 'app-key': appKey, timestamp };
        return { body, headers: { 'app-key': appKey, timestamp, sign: xhsPushSign(target.pathname, params, this.store.appSecret(appKey) ?? '') } };
      },
      isAck: (status, body) => {
        if (status !== 200) return false;
        try {
          return (JSON.parse(body) as { success?: unknown }).success === true;
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
    const send = (msgTag: string, data: Record<string, unknown>) =>
      this.push!.enqueue({ appKey: shop.appKey, messageId: this.store.ids.messageId(), item: { msgTag, sellerId: shop.platformShopId, data: JSON.stringify(data) } });
    send('msg_fulfillment_status_change', { orderId: o.orderId, orderStatus: STATUS[o.status], updateTime: o.updatedAt });
    if (event === 'refunded') {
      send('msg_after_sale_refund_finished', {
        returnsId: `R${o.orderId.slice(1)}`,
        orderId: o.orderId,
        returnType: o.refundedFrom === 'paid' ? 5 : 4,
        requestFrom: 1,
        refundFee: Number(fenToYuan(orderPaidFen(o))),
        updateTime: o.updatedAt,
      });
    }
  }
}

/**
 * Push signature as the only public verifier reads it (community-sourced: ledccn/ledc-xiao-hong-shu
 * `Config::verifyNotifySignature`; PROTOCOLS.md 3.4): lowercase MD5 of path + '?' + the query parameters, `app-key` and
 * `timestamp` (not `sign`, no empty values) sorted by name as `name=value` joined by '&' + app secret. The body is not
 * signed. Written here on its own (not imported from the adapter) so the simulator checks the adapter's reading.
 */
export function xhsPushSign(path: string, params: Readonly<Record<string, string>>, appSecret: string): string {
  const signed = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(`${path}?${signed}${appSecret}`, 'utf8').digest('hex');
}

export async function startXiaohongshuSimulator(opts: SimulatorOptions = {}): Promise<XiaohongshuSimulator> {
  return new XiaohongshuSimulator(opts).listen();
}

