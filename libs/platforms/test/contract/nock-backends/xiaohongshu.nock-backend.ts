import { canonicalJson, parseLossless, xhsSign } from '../../../src/signing';
import { XHS_PATH } from '../../../src/xiaohongshu/xiaohongshu.protocol';
import type { InjectedFault, SeedOrderStatus } from '../contract-backend';
import { NockBackendBase, orderTotals, type NockReply, type StoredOrder, type StoredProduct } from './nock-backend.base';

const STATUS: Record<SeedOrderStatus, [number, number]> = {
  pending_payment: [1, 1],
  paid: [4, 1],
  shipped: [6, 1],
  completed: [7, 1],
  cancelled: [9, 1],
  refunded: [8, 3],
};

const FAULTS: Record<InjectedFault, [number, string]> = {
  busy: [50001, '系统繁忙，请稍后重试'],
  rate_limited: [42901, '请求过于频繁，已被限流'],
  token_expired: [40101, 'accessToken已过期'],
  auth_revoked: [40103, '商家已取消授权'],
  invalid_request: [40001, '参数错误'],
};

/** Xiaohongshu Ark over nock: one common_controller endpoint, flat signed JSON body. */
export class XiaohongshuNockBackend extends NockBackendBase {
  readonly platform = 'xiaohongshu' as const;
  private itemSeq = 0;

  constructor() {
    super('xiaohongshu', '5f00000000000000000000aa', 'xhs-app-0001', 'xhs-test-secret');
  }

  static async create(): Promise<XiaohongshuNockBackend> {
    return new XiaohongshuNockBackend().start();
  }

  protected handle(url: URL, rawBody: string): NockReply {
    if (url.pathname !== XHS_PATH) return [404, 'not found'];
    const body = parseLossless(rawBody) as Record<string, unknown>;
    const s = (k: string) => (body[k] === undefined || body[k] === null ? '' : String(body[k]));
    const method = s('method');
    if (s('appId') !== this.creds.appKey) return this.err(40002, 'appId不存在');
    if (s('version') !== '2.0') return this.err(40003, 'version错误');
    if (!/^\d{10}$/.test(s('timestamp')) || Math.abs(Number(s('timestamp')) * 1000 - Date.now()) > 10 * 60_000) return this.err(40004, 'timestamp无效');
    if (s('sign') !== xhsSign({ method, appId: s('appId'), timestamp: s('timestamp'), version: '2.0', appSecret: this.creds.appSecret })) return this.err(40005, '签名校验失败');
    const p: Record<string, unknown> = { ...body };
    for (const k of ['appId', 'timestamp', 'version', 'method', 'sign', 'accessToken']) delete p[k];

    if (method === 'oauth.refreshToken') {
      if ('accessToken' in body) return this.err(40001, '参数错误: accessToken');
      const t = this.rotateTokens(String(p.refreshToken ?? ''));
      if (!t) return this.err(40102, 'refreshToken无效');
      this.record(method, p);
      const now = Date.now();
      return this.ok({ accessToken: t.accessToken, accessTokenExpiresAt: now + t.expiresInSec * 1000, refreshToken: t.refreshToken, refreshTokenExpiresAt: now + 14 * 86_400_000, sellerId: this.platformShopId, sellerName: 'nock seller' });
    }

    const state = this.tokenState(s('accessToken'));
    if (state === 'expired') return this.err(...FAULTS.token_expired);
    if (state === 'invalid') return this.err(40104, 'accessToken无效');
    const fault = this.takeFault(method);
    if (fault) return this.err(...FAULTS[fault]);
    this.record(method, p);
    const reply = this.dispatch(method, p);
    const lost = this.takeFault(method, 'after');
    return lost ? this.err(...FAULTS[lost]) : reply;
  }

  private dispatch(method: string, p: Record<string, unknown>): NockReply {
    const s = (k: string) => (p[k] === undefined || p[k] === null ? '' : String(p[k]));
    switch (method) {
      case 'order.getOrderList': {
        const pageNo = Number(s('pageNo') || 1);
        const size = Number(s('pageSize') || 50);
        if (pageNo < 1 || pageNo > 100 || size > 100) return this.err(40001, '参数错误: pageNo/pageSize');
        const from = Number(s('startTime')) * 1000;
        const to = Number(s('endTime')) * 1000 + 999;
        if (s('timeType') === '2' && to - from > 30 * 60_000 + 999) return this.err(40001, '参数错误: 更新时间跨度不能超过30分钟');
        const all = this.ordersInWindow(from, to).reverse();
        const page = all.slice((pageNo - 1) * size, pageNo * size);
        return this.ok({ total: all.length, pageNo, pageSize: size, maxPageNo: Math.max(1, Math.ceil(all.length / size)), orderList: page.map((o) => ({ orderId: o.platformOrderId, orderStatus: STATUS[o.status][0], orderAfterSalesStatus: STATUS[o.status][1], updateTime: o.updatedAt.getTime(), createdTime: o.createdAt.getTime() })) });
      }
      case 'order.getOrderDetail': {
        const o = this.orders.get(s('orderId'));
        if (!o) return this.err(40400, '订单不存在');
        return this.ok(this.orderJson(o));
      }
      case 'order.orderDeliver': {
        const o = this.orders.get(s('orderId'));
        if (!o) return this.err(40400, '订单不存在');
        if (o.status !== 'paid') return this.err(40010, '订单状态不允许发货');
        this.ship(o, s('expressNo'), s('expressCompanyCode'));
        return this.ok({});
      }
      case 'inventory.syncSkuStock':
      case 'inventory.incSkuStock': {
        const hit = this.findSkuAnywhere(s('skuId'));
        if (!hit) return this.err(40400, 'sku不存在');
        const q = Number(s('qty'));
        hit.sku.stock = method === 'inventory.incSkuStock' ? Math.max(0, hit.sku.stock + q) : q;
        return this.ok({ skuId: hit.sku.skuId });
      }
      case 'inventory.getSkuStock': {
        const hit = this.findSkuAnywhere(s('skuId'));
        if (!hit) return this.err(40400, 'sku不存在');
        return this.ok({ skuStockInfo: { skuId: hit.sku.skuId, available: hit.sku.stock, total: hit.sku.stock } });
      }
      case 'product.getDetailSkuList': {
        const pageSize = Number(s('pageSize') || 50);
        if (pageSize > 100) return this.err(40001, '参数错误: pageSize');
        const rows = [...this.products.values()].flatMap((product) => product.skus.filter((k) => !s('id') || k.skuId === s('id')).map((sku) => ({ product, sku })));
        return this.ok({
          pageNO: Number(s('pageNo') || 1),
          pageSize,
          total: rows.length,
          data: rows.slice(0, pageSize).map(({ product, sku }) => ({
            item: { id: product.productId, name: product.title ?? '' },
            sku: { id: sku.skuId, itemId: product.productId, erpCode: sku.skuCode, price: sku.priceFen, originalPrice: sku.originalPriceFen, stock: sku.stock },
          })),
        });
      }
      case 'product.updateSkuPrice': {
        const hit = this.findSkuAnywhere(s('skuId'));
        if (!hit) return this.err(40400, 'sku不存在');
        const price = Number(String(((p.price as Record<string, unknown>[]) ?? [])[0]?.price ?? 'NaN'));
        if (!Number.isInteger(price) || price <= 0 || price > 10_000_000) return this.err(40001, '参数错误: price');
        hit.sku.priceFen = price;
        return this.ok({});
      }
      case 'product.createItemV2': {
        if (!s('name') || !s('categoryId')) return this.err(40001, '参数错误: name/categoryId');
        const id = `64${Date.now().toString(16)}${(++this.itemSeq).toString(16).padStart(6, '0')}`;
        this.products.set(id, { productId: id, title: s('name'), skus: [] });
        return this.ok({ id });
      }
      case 'product.updateItemV2': {
        const product = this.products.get(s('id'));
        if (!product) return this.err(40400, '商品不存在');
        product.title = s('name') || product.title;
        return this.ok({ id: product.productId });
      }
      case 'product.createSkuV2':
      case 'product.updateSkuV2': {
        const product: StoredProduct | undefined = this.products.get(s('itemId'));
        if (!product) return this.err(40400, '商品不存在');
        const price = Number(s('price'));
        const original = Number(s('originalPrice'));
        if (!(price < original) || price > 10_000_000) return this.err(40001, '参数错误: 价格必须低于原价');
        if (method === 'product.updateSkuV2') {
          const sku = product.skus.find((k) => k.skuId === s('id'));
          if (!sku) return this.err(40400, 'sku不存在');
          Object.assign(sku, { priceFen: price, originalPriceFen: original, skuCode: s('erpCode') || sku.skuCode });
          return this.ok({ id: sku.skuId });
        }
        const id = `65${Date.now().toString(16)}${(++this.itemSeq).toString(16).padStart(6, '0')}`;
        product.skus.push({ skuId: id, skuCode: s('erpCode'), priceFen: price, originalPriceFen: original, stock: Number(s('stock') || 0) });
        return this.ok({ id });
      }
      default:
        return this.err(40404, `method ${method} 不存在`);
    }
  }

  private orderJson(o: StoredOrder): Record<string, unknown> {
    const [status, afterSales] = STATUS[o.status];
    const t = orderTotals(o);
    return {
      orderId: o.platformOrderId,
      orderType: 1,
      orderStatus: status,
      orderAfterSalesStatus: afterSales,
      cancelStatus: 0,
      createdTime: o.createdAt.getTime(),
      paidTime: o.paidAt ? o.paidAt.getTime() : 0,
      updateTime: o.updatedAt.getTime(),
      totalPayAmount: t.paidFen,
      totalShippingFree: o.shippingFen,
      totalMerchantDiscount: o.discountFen,
      totalRedDiscount: 0,
      expressTrackingNo: o.shipped?.trackingNo ?? '',
      expressCompanyCode: o.shipped?.carrierCode ?? '',
      receiverName: '张*',
      skuList: o.items.map((i) => ({
        skuId: i.skuId,
        itemId: i.productId,
        skuName: i.title,
        erpcode: i.skuCode,
        skuQuantity: i.quantity,
        price: i.unitPriceFen,
        totalPaidAmount: i.unitPriceFen * i.quantity,
        totalMerchantDiscount: 0,
        totalRedDiscount: 0,
      })),
    };
  }

  private ok(data: unknown): NockReply {
    return [200, canonicalJson({ success: true, error_code: 0, error_msg: '', data }), { 'content-type': 'application/json' }];
  }

  private err(code: number, msg: string): NockReply {
    return [200, canonicalJson({ success: false, error_code: code, error_msg: msg, data: null }), { 'content-type': 'application/json' }];
  }
}
