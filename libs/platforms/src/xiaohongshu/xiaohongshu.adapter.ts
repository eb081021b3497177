import type { CanonicalOrder, OrderPage, ShipmentRequest } from '@app/contracts';
import { UpstreamError, withPartialListing } from '@app/contracts';
import {
  DEFAULT_RATE_LIMIT_WAIT_MS,
  PlatformCaller,
  arr,
  checkWindow,
  createPlatformAxios,
  num,
  obj,
  str,
  type Json,
  type PlatformAdapterDeps,
} from '../http';
import {
  PlatformAdapter,
  type AppSecretLookup,
  type ListingResult,
  type ListingSku,
  type OrderListQuery,
  type PlatformCapabilities,
  type PriceUpdate,
  type ProductListing,
  type PushRequest,
  type PushVerification,
  type ShopContext,
  type SkuPrice,
  type StockUpdate,
  type TokenSet,
} from '../platform-adapter.port';
import type { AuthorisedShop, OAuthApp } from '../platform-adapter.port';
import { xhsOrderToCanonical } from './xiaohongshu.mapper';
import { XiaohongshuProtocol } from './xiaohongshu.protocol';
import { verifyXhsPush, xhsPushReply } from './xiaohongshu.push';

const XHS_MAX_PAGE_NO = 100;

export class XiaohongshuAdapter extends PlatformAdapter {
  readonly platform = 'xiaohongshu' as const;
  readonly capabilities: PlatformCapabilities = {
    stockDelta: true,
    tokenRefresh: true,
    pushTransport: 'http',
    orderListMaxWindowSec: 1_800, // 30 min by update time
    orderListPagesBackward: true,
    orderListMaxPageSize: 100,
    orderListIncludesDetail: false,
    orderApis: { list: 'order.getOrderList', detail: 'order.getOrderDetail' },
    priceRead: true,
  };
  private readonly caller: PlatformCaller;

  constructor(deps: PlatformAdapterDeps) {
    super();
    const http = createPlatformAxios('xiaohongshu', deps.options);
    this.caller = new PlatformCaller(new XiaohongshuProtocol(http, deps.options.defaultRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS), deps);
  }

  private async call(shop: ShopContext, method: string, params: Record<string, unknown>): Promise<Json> {
    return obj(await this.caller.call(shop, method, params));
  }

  /**
   * `order.getOrderList` by update time (timeType 2), paged from the last page back to the first;
   * the first call reads page 1 only to learn maxPageNo. Returns order ids as partialIds (the list
   * carries no SKU lines); fetch them with getOrder.
   */
  async listOrders(shop: ShopContext, query: OrderListQuery): Promise<OrderPage> {
    checkWindow('xiaohongshu', query.from, query.to, this.capabilities.orderListMaxWindowSec);
    const size = Math.min(query.pageSize ?? 50, this.capabilities.orderListMaxPageSize);
    const fetch = (pageNo: number) =>
      this.call(shop, 'order.getOrderList', {
        startTime: Math.floor(query.from.getTime() / 1000),
        endTime: Math.floor((query.to.getTime() - 1) / 1000),
        timeType: 2,
        orderType: 0,
        orderStatus: 0,
        pageNo,
        pageSize: size,
      });
    let pageNo: number;
    let res: Json;
    if (query.page === null) {
      res = await fetch(1);
      const last = Math.min(XHS_MAX_PAGE_NO, Math.max(1, num(res.maxPageNo, 0) || Math.ceil(num(res.total) / size)));
      if (last > 1) {
        pageNo = last;
        res = await fetch(last);
      } else pageNo = 1;
    } else {
      pageNo = Number(query.page);
      if (!Number.isInteger(pageNo) || pageNo < 1) throw new UpstreamError('xiaohongshu', 'invalid_request', `bad paging state ${query.page}`);
      res = await fetch(pageNo);
    }
    const hasMore = pageNo > 1;
    const list = arr(res.orderList).map((o) => obj(o));
    const partialUpdatedAt: Record<string, string> = {};
    for (const o of list) {
      // list times are milliseconds
      const ms = num(o.updateTime, 0);
      if (ms > 0) partialUpdatedAt[str(o.orderId)] = new Date(ms).toISOString();
    }
    return { orders: [], partialIds: list.map((o) => str(o.orderId)), partialUpdatedAt, hasMore, next: hasMore ? String(pageNo - 1) : null };
  }

  async getOrder(shop: ShopContext, platformOrderId: string): Promise<CanonicalOrder> {
    const data = await this.call(shop, 'order.getOrderDetail', { orderId: platformOrderId });
    if (!str(data.orderId)) throw new UpstreamError('xiaohongshu', 'not_found', `order ${platformOrderId} not returned`);
    return xhsOrderToCanonical(shop, data);
  }

  async ship(shop: ShopContext, shipment: ShipmentRequest): Promise<void> {
    const unpack = shipment.lineIds.length > 0;
    let skuIdList: string[] | undefined;
    if (unpack) {
      const order = await this.getOrder(shop, shipment.platformOrderId);
      skuIdList = order.items.filter((i) => shipment.lineIds.includes(i.lineId)).map((i) => i.platformSkuId);
      if (skuIdList.length !== shipment.lineIds.length) throw new UpstreamError('xiaohongshu', 'invalid_request', 'unknown line id in split shipment');
    }
    await this.call(shop, 'order.orderDeliver', {
      orderId: shipment.platformOrderId,
      expressNo: shipment.trackingNo,
      expressCompanyCode: shipment.carrierCode,
      deliveringTime: Date.now(),
      unpack: unpack || undefined,
      skuIdList,
    });
  }

  /** full: inventory.syncSkuStock (total stock); delta: inventory.incSkuStock (signed). */
  async updateStock(shop: ShopContext, update: StockUpdate): Promise<void> {
    const method = update.mode === 'delta' ? 'inventory.incSkuStock' : 'inventory.syncSkuStock';
    await this.call(shop, method, { skuId: update.platformSkuId, qty: update.quantity });
  }

  async getStock(shop: ShopContext, _platformProductId: string, platformSkuId: string): Promise<number> {
    const data = await this.call(shop, 'inventory.getSkuStock', { skuId: platformSkuId });
    const info = obj(data.skuStockInfo);
    return num(info.available ?? data.available ?? data.qty);
  }

  async updatePrice(shop: ShopContext, update: PriceUpdate): Promise<void> {
    await this.call(shop, 'product.updateSkuPrice', {
      skuId: update.platformSkuId,
      price: [{ skuId: update.platformSkuId, price: update.priceFen }],
      originalPrice: update.originalPriceFen,
    });
  }

  /**
   * `product.getDetailSkuList` filtered by `id` (the SKU id; "使用id查询其他条件可以不填" in the SDK's
   * ProductGetDetailSkuListRequest, PROTOCOLS.md 3.7): `data.data[]` of `{item, sku}`, prices in fen.
   */
  override async getSkuPrice(shop: ShopContext, _platformProductId: string, platformSkuId: string): Promise<SkuPrice> {
    const data = await this.call(shop, 'product.getDetailSkuList', { id: platformSkuId, pageNo: 1, pageSize: 10 });
    const sku = arr(data.data)
      .map((e) => obj(obj(e).sku))
      .find((k) => str(k.id) === platformSkuId);
    if (!sku) throw new UpstreamError('xiaohongshu', 'not_found', `sku ${platformSkuId} not returned`);
    const priceFen = num(sku.price, NaN);
    if (!Number.isInteger(priceFen)) throw new UpstreamError('xiaohongshu', 'retryable', `product.getDetailSkuList returned no price for sku ${platformSkuId}`);
    const original = num(sku.originalPrice, 0);
    return original > 0 ? { priceFen, originalPriceFen: original } : { priceFen };
  }

  /** Item first (product.createItemV2 / updateItemV2), then each SKU (createSkuV2 / updateSkuV2). */
  async upsertProduct(shop: ShopContext, listing: ProductListing): Promise<ListingResult> {
    const item: Record<string, unknown> = {
      name: listing.title,
      categoryId: listing.categoryId,
      attributes: Object.entries(listing.attributes).map(([name, value]) => ({ name, value })),
      images: listing.images,
      imageDescriptions: listing.images,
      articleNo: listing.outerProductId,
      description: listing.description,
    };
    let itemId = listing.platformProductId;
    if (itemId) {
      await this.call(shop, 'product.updateItemV2', { ...item, id: itemId, updatedFields: Object.keys(item) });
    } else {
      itemId = str((await this.call(shop, 'product.createItemV2', item)).id);
      if (!itemId) throw new UpstreamError('xiaohongshu', 'retryable', 'product.createItemV2 returned no id');
    }
    // the item exists from here on: a failed SKU call carries its id and the SKUs created so far, so the
    // retry updates this item and creates only the SKUs still missing
    const skus: ListingResult['skus'] = [];
    try {
      for (const s of listing.skus) skus.push({ skuCode: s.skuCode, platformSkuId: await this.upsertSku(shop, itemId, s) });
    } catch (e) {
      const done = new Set(skus.map((k) => k.skuCode));
      const known = listing.skus.flatMap((s) => (s.platformSkuId && !done.has(s.skuCode) ? [{ skuCode: s.skuCode, platformSkuId: s.platformSkuId }] : []));
      throw withPartialListing(e, 'xiaohongshu', { platformProductId: itemId, skus: [...skus, ...known] });
    }
    return { platformProductId: itemId, skus };
  }

  private async upsertSku(shop: ShopContext, itemId: string, s: ListingSku): Promise<string> {
    const sku: Record<string, unknown> = {
      itemId,
      price: s.priceFen,
      originalPrice: s.originalPriceFen,
      erpCode: s.skuCode,
      barcode: s.barcode,
      variants: Object.entries(s.specs).map(([name, value]) => ({ name, value })),
    };
    if (s.platformSkuId) {
      await this.call(shop, 'product.updateSkuV2', { ...sku, id: s.platformSkuId, updatedFields: ['price', 'originalPrice', 'erpCode', 'barcode', 'variants'] });
      return s.platformSkuId;
    }
    const id = str((await this.call(shop, 'product.createSkuV2', { ...sku, stock: s.stock })).id);
    if (!id) throw new UpstreamError('xiaohongshu', 'retryable', `product.createSkuV2 returned no id for ${s.skuCode}`);
    return id;
  }

  refreshToken(shop: ShopContext): Promise<TokenSet> {
    return this.caller.refresh(shop);
  }

  override exchangeAuthCode(app: OAuthApp, code: string, redirectUri: string): Promise<AuthorisedShop> {
    return this.caller.exchangeCode(app, code, redirectUri);
  }

  verifyPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification> {
    return verifyXhsPush(req, secretFor);
  }

  pushReply(ok: boolean): { status: number; body: unknown } {
    return xhsPushReply(ok);
  }
}
