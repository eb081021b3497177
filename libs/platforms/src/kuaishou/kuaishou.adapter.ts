import type { CanonicalDiscountLine, CanonicalOrder, OrderPage, ShipmentRequest } from '@app/contracts';
import { UpstreamError, withPartialListing } from '@app/contracts';
import type { CouponDraft, CouponManager, CouponStockAdder, CouponUsage, CouponUsageReader, PlatformCoupon } from '../capabilities';
import { rawNumber } from '../signing';
import { DEFAULT_RATE_LIMIT_WAIT_MS, PlatformCaller, arr, checkWindow, createPlatformAxios, mapListed, num, obj, str, type Json, type PlatformAdapterDeps } from '../http';
import {
  PlatformAdapter,
  type AppSecretLookup,
  type AuthorisedShop,
  type ListingResult,
  type OAuthApp,
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
import { KS_TARGET_ITEM, KS_TARGET_SHOP, ksCouponCreateParams, ksCouponFromListItem } from './kuaishou.coupons';
import { ksFeeDetailDiscounts, ksOrderToCanonical } from './kuaishou.mapper';
import { KuaishouProtocol } from './kuaishou.protocol';
import { kuaishouPushReply, verifyKuaishouPush } from './kuaishou.push';
import type { KuaishouSignMethod } from './kuaishou.sign';

/** `cursor` value meaning the last page was read */
export const KS_NO_MORE = 'nomore';
/** largest skuChangeStock of one open.item.sku.stock.update (0 < n < 9,999,999) */
export const KS_MAX_STOCK_CHANGE = 9_999_998;
/** findCoupon reads at most this many pages of this size of open.promotion.coupon.page.list */
export const KS_COUPON_FIND_PAGES = 10;
export const KS_COUPON_PAGE_SIZE = 50;

export interface KuaishouAdapterOptions {
  /** MD5 or HMAC_SHA256 (default, recommended) */
  signMethod?: KuaishouSignMethod;
  /**
   * our carrier codes -> Kuaishou's numeric expressCode (from its express-company list); a numeric carrier code
   * is sent as it is, any other code without an entry here is refused (invalid_request naming expressCode)
   */
  expressCodes?: Readonly<Record<string, number>>;
}

/** a numeric id as a JSON number (exact, 19 digits included); anything else as a string */
function id(v: string): unknown {
  return /^\d{1,19}$/.test(v) ? rawNumber(v) : v;
}

export class KuaishouAdapter extends PlatformAdapter implements CouponManager, CouponStockAdder, CouponUsageReader {
  readonly platform = 'kuaishou' as const;
  readonly capabilities: PlatformCapabilities = {
    // only deltas exist (changeType 1/2) and they carry no idempotency id: a full overwrite is read + delta
    stockDelta: true,
    tokenRefresh: true,
    pushTransport: 'http',
    orderListMaxWindowSec: 7 * 86_400, // beginTime..endTime at most 7 days (300004)
    orderListPagesBackward: false,
    orderListMaxPageSize: 50,
    orderListIncludesDetail: true,
    orderApis: { list: 'open.order.cursor.list', detail: 'open.order.detail' },
    priceRead: true,
    couponApi: true,
    couponStockAdd: true,
    couponUsage: true,
  };

  private readonly caller: PlatformCaller;
  private readonly expressCodes: Readonly<Record<string, number>>;

  constructor(deps: PlatformAdapterDeps, options: KuaishouAdapterOptions = {}) {
    super();
    const http = createPlatformAxios('kuaishou', deps.options);
    this.caller = new PlatformCaller(new KuaishouProtocol(http, deps.options.defaultRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS, options.signMethod), deps);
    this.expressCodes = options.expressCodes ?? {};
  }

  private async call(shop: ShopContext, method: string, params: Record<string, unknown>): Promise<Json> {
    return obj(await this.caller.call(shop, method, params));
  }

  /**
   * `open.order.cursor.list` by update time (queryType 2), all statuses (orderViewStatus 1), ≤50 per page,
   * sort 1 newest first / 2 oldest first; the cursor is "" first, then the returned one until "nomore". The
   * list carries whole orders (no detail call per order).
   */
  async listOrders(shop: ShopContext, query: OrderListQuery): Promise<OrderPage> {
    checkWindow('kuaishou', query.from, query.to, this.capabilities.orderListMaxWindowSec);
    const data = await this.call(shop, 'open.order.cursor.list', {
      orderViewStatus: 1,
      pageSize: Math.min(query.pageSize ?? 50, this.capabilities.orderListMaxPageSize),
      sort: query.newestFirst ? 1 : 2,
      queryType: 2,
      beginTime: query.from.getTime(),
      endTime: query.to.getTime() - 1,
      cpsType: 0,
      cursor: query.page ?? '',
    });
    const rows = arr(data.orderList).map((o) => obj(o));
    // an order whose status has no mapping is left out (reported in unmapped), never the whole page
    const { orders: all, unmapped } = mapListed(rows, (o) => ksOrderToCanonical(shop, o), (o) => str(obj(o.orderBaseInfo).oid));
    const cursor = str(data.cursor);
    const hasMore = cursor !== '' && cursor !== KS_NO_MORE && rows.length > 0;
    // an order with a discount gets its discount lines from its fee detail (one call; the list already is the
    // order). One whose fee detail fails is left to the caller's getOrder (a partial id), never dropped.
    const partial: CanonicalOrder[] = [];
    await Promise.all(
      all
        .filter((o) => o.discountFen > 0)
        .map(async (o) => {
          try {
            o.discounts = await this.discountLines(shop, o.platformOrderId);
          } catch {
            partial.push(o);
          }
        }),
    );
    const orders = all.filter((o) => !partial.includes(o));
    return {
      orders,
      partialIds: partial.map((o) => o.platformOrderId),
      partialUpdatedAt: Object.fromEntries(partial.map((o) => [o.platformOrderId, o.updatedAt])),
      hasMore,
      next: hasMore ? cursor : null,
      unmapped,
    };
  }

  /** `open.order.detail`, and for an order with a discount `open.seller.order.fee.detail` for its discount lines */
  async getOrder(shop: ShopContext, platformOrderId: string): Promise<CanonicalOrder> {
    const data = await this.call(shop, 'open.order.detail', { oid: id(platformOrderId) });
    if (!str(obj(data.orderBaseInfo).oid)) throw new UpstreamError('kuaishou', 'not_found', `order ${platformOrderId} not returned`);
    const order = ksOrderToCanonical(shop, data);
    if (order.discountFen > 0) order.discounts = await this.discountLines(shop, platformOrderId);
    return order;
  }

  /** `open.seller.order.fee.detail`: the order's discount lines (marketingInfoOuters) */
  private async discountLines(shop: ShopContext, platformOrderId: string): Promise<CanonicalDiscountLine[]> {
    return ksFeeDetailDiscounts(await this.call(shop, 'open.seller.order.fee.detail', { orderId: id(platformOrderId) }));
  }

  /** `open.seller.order.goods.deliver` (orderId, expressNo, numeric expressCode); split shipments are not sent */
  async ship(shop: ShopContext, shipment: ShipmentRequest): Promise<void> {
    if (shipment.lineIds.length > 0) {
      const order = await this.getOrder(shop, shipment.platformOrderId);
      const all = order.items.every((i) => shipment.lineIds.includes(i.lineId));
      if (!all) throw new UpstreamError('kuaishou', 'invalid_request', 'split shipment (open.order.goods.split.deliver) is not supported yet', { code: 'not_supported' });
    }
    const expressCode = /^\d+$/.test(shipment.carrierCode) ? Number(shipment.carrierCode) : this.expressCodes[shipment.carrierCode];
    if (expressCode === undefined) {
      throw new UpstreamError('kuaishou', 'invalid_request', `expressCode: no Kuaishou express company code for carrier ${shipment.carrierCode}`, { code: 'unknown_carrier' });
    }
    await this.call(shop, 'open.seller.order.goods.deliver', { orderId: id(shipment.platformOrderId), expressNo: shipment.trackingNo, expressCode });
  }

  /**
   * `open.item.sku.stock.update` takes a delta only: skuChangeStock > 0 with changeType 1 (increase) or 2
   * (decrease). A full overwrite reads the SKU's stock first and sends the difference (nothing when equal), so it
   * is not atomic: a sale between the read and the write is kept, the overwrite is off by it until the next sync.
   */
  async updateStock(shop: ShopContext, update: StockUpdate): Promise<void> {
    const change = update.mode === 'delta' ? update.quantity : update.quantity - (await this.getStock(shop, update.platformProductId, update.platformSkuId));
    if (!Number.isInteger(change)) throw new UpstreamError('kuaishou', 'invalid_request', 'skuChangeStock must be an integer');
    if (change === 0) return;
    if (Math.abs(change) > KS_MAX_STOCK_CHANGE) throw new UpstreamError('kuaishou', 'invalid_request', `skuChangeStock ${Math.abs(change)} exceeds ${KS_MAX_STOCK_CHANGE}`);
    await this.call(shop, 'open.item.sku.stock.update', {
      kwaiItemId: id(update.platformProductId),
      skuId: id(update.platformSkuId),
      skuChangeStock: Math.abs(change),
      changeType: change > 0 ? 1 : 2,
    });
  }

  private async sku(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<Json> {
    const data = await this.call(shop, 'open.item.sku.list.get', { kwaiItemId: id(platformProductId) });
    const sku = arr(data.skuList ?? data.skuInfoList ?? data)
      .map(obj)
      .find((k) => str(k.kwaiSkuId ?? k.skuId) === platformSkuId);
    if (!sku) throw new UpstreamError('kuaishou', 'not_found', `sku ${platformSkuId} not returned`);
    return sku;
  }

  async getStock(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<number> {
    return num((await this.sku(shop, platformProductId, platformSkuId)).skuStock);
  }

  /** `open.item.sku.price.update`: itemId, skuId, price in fen */
  async updatePrice(shop: ShopContext, update: PriceUpdate): Promise<void> {
    if (!Number.isInteger(update.priceFen) || update.priceFen <= 0) throw new UpstreamError('kuaishou', 'invalid_request', 'price must be a positive integer (fen)');
    await this.call(shop, 'open.item.sku.price.update', { itemId: id(update.platformProductId), skuId: id(update.platformSkuId), price: update.priceFen });
  }

  /** `open.item.sku.list.get`: skuSalePrice (fen) and skuMarketPrice */
  override async getSkuPrice(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<SkuPrice> {
    const sku = await this.sku(shop, platformProductId, platformSkuId);
    const priceFen = num(sku.skuSalePrice, NaN);
    if (!Number.isInteger(priceFen)) throw new UpstreamError('kuaishou', 'retryable', `open.item.sku.list.get returned no price for sku ${platformSkuId}`);
    const market = num(sku.skuMarketPrice, 0);
    return market > 0 ? { priceFen, originalPriceFen: market } : { priceFen };
  }

  /**
   * `open.item.new` (relItemId = our outer id, skuList[] with relSkuId = the ERP SKU code, prices in fen) or
   * `open.item.edit`; then the SKU ids from `open.item.sku.list.get` by relSkuId. When that read fails after the
   * item exists, the error carries the item id (and SKU ids known) so the retry is an edit.
   */
  async upsertProduct(shop: ShopContext, listing: ProductListing): Promise<ListingResult> {
    const skuList = listing.skus.map((s) => ({
      ...(s.platformSkuId ? { kwaiSkuId: id(s.platformSkuId) } : {}),
      relSkuId: s.skuCode,
      skuNick: s.skuCode,
      skuStock: s.stock,
      skuSalePrice: s.priceFen,
      skuMarketPrice: s.originalPriceFen,
      gtinCode: s.barcode,
      skuProps: Object.entries(s.specs).map(([propName, propValueName]) => ({ propName, propValueName })),
    }));
    const item: Record<string, unknown> = {
      title: listing.title,
      relItemId: listing.outerProductId,
      categoryId: id(listing.categoryId),
      imageUrls: listing.images.slice(0, 9),
      details: listing.description,
      itemPropValues: Object.entries(listing.attributes).map(([propName, propValue]) => ({ propName, propValue })),
      skuList,
    };
    let itemId = listing.platformProductId;
    if (itemId) await this.call(shop, 'open.item.edit', { ...item, kwaiItemId: id(itemId) });
    else {
      const data = await this.call(shop, 'open.item.new', item);
      itemId = str(data.kwaiItemId ?? data.itemId);
      if (!itemId) throw new UpstreamError('kuaishou', 'retryable', 'open.item.new returned no kwaiItemId');
    }
    const known = listing.skus.flatMap((s) => (s.platformSkuId ? [{ skuCode: s.skuCode, platformSkuId: s.platformSkuId }] : []));
    let rows: Json[];
    try {
      rows = arr((await this.call(shop, 'open.item.sku.list.get', { kwaiItemId: id(itemId) })).skuList).map(obj);
    } catch (e) {
      throw withPartialListing(e, 'kuaishou', { platformProductId: itemId, skus: known });
    }
    const byCode = new Map(rows.map((r) => [str(r.relSkuId), str(r.kwaiSkuId ?? r.skuId)]));
    const skus = listing.skus.map((s) => ({ skuCode: s.skuCode, platformSkuId: byCode.get(s.skuCode) ?? s.platformSkuId ?? '' }));
    const missing = skus.filter((s) => !s.platformSkuId).map((s) => s.skuCode);
    if (missing.length > 0) {
      throw withPartialListing(new UpstreamError('kuaishou', 'retryable', `open.item.sku.list.get has no sku for ${missing.join(', ')}`), 'kuaishou', { platformProductId: itemId, skus: skus.filter((s) => s.platformSkuId) });
    }
    return { platformProductId: itemId, skus };
  }

  // ---- coupons (open.promotion.coupon.*, kuaishou.coupons.ts; the manifest's `coupons` says which are confirmed) ----

  /** `open.promotion.coupon.create` with outerUniqueKey = the draft's idempotency key; answers `{couponId}` */
  async createCoupon(shop: ShopContext, draft: CouponDraft): Promise<PlatformCoupon> {
    const params = ksCouponCreateParams(draft);
    const data = await this.call(shop, 'open.promotion.coupon.create', params);
    const couponId = str(data.couponId);
    if (!couponId) throw new UpstreamError('kuaishou', 'retryable', 'open.promotion.coupon.create returned no couponId');
    return { platformCouponId: couponId, status: Date.now() < Number(params.receiveStartTime) ? 'not_started' : 'claimable', totalQuantity: draft.totalQuantity };
  }

  /**
   * The coupon whose outerUniqueKey is the draft's key: `open.promotion.coupon.page.list` (GET) of the draft's
   * couponTargetType, every status (sellerCouponStatus 0), pages of 50 from pageNo 1, at most 10 pages. null only
   * when the list was read to its end; a list longer than the bound is an error (a null there could make a second
   * coupon). Whether the real list carries outerUniqueKey is unconfirmed [U].
   */
  async findCoupon(shop: ShopContext, draft: CouponDraft): Promise<PlatformCoupon | null> {
    const couponTargetType = draft.platformProductIds.length > 0 ? KS_TARGET_ITEM : KS_TARGET_SHOP;
    let seen = 0;
    for (let pageNo = 1; pageNo <= KS_COUPON_FIND_PAGES; pageNo += 1) {
      const data = await this.call(shop, 'open.promotion.coupon.page.list', { couponTargetType, sellerCouponStatus: 0, pageNo, pageSize: KS_COUPON_PAGE_SIZE });
      const items = arr(data.couponList).map(obj);
      const hit = items.find((c) => str(c.outerUniqueKey) === draft.idempotencyKey);
      if (hit) return ksCouponFromListItem(hit);
      seen += items.length;
      const total = num(data.total, NaN);
      if (items.length < KS_COUPON_PAGE_SIZE || (Number.isFinite(total) && seen >= total)) return null;
    }
    throw new UpstreamError(
      'kuaishou',
      'invalid_request',
      `open.promotion.coupon.page.list: no coupon with outerUniqueKey ${draft.idempotencyKey} in the first ${KS_COUPON_FIND_PAGES * KS_COUPON_PAGE_SIZE}; the list goes on, so its absence is not known`,
      { code: 'coupon_lookup_exhausted' },
    );
  }

  /** `open.promotion.coupon.over` (结束优惠券): the coupon can no longer be claimed */
  async stopCoupon(shop: ShopContext, platformCouponId: string): Promise<void> {
    await this.call(shop, 'open.promotion.coupon.over', { couponId: id(platformCouponId) });
  }

  /** `open.promotion.coupon.stock.add` (修改券库存): incrementNum more; it only adds, and carries no idempotency key */
  async addCouponStock(shop: ShopContext, platformCouponId: string, increment: number): Promise<void> {
    if (!Number.isInteger(increment) || increment < 1) throw new UpstreamError('kuaishou', 'invalid_request', `open.promotion.coupon.stock.add takes a positive increment, not ${increment}`);
    await this.call(shop, 'open.promotion.coupon.stock.add', { couponId: id(platformCouponId), incrementNum: increment });
  }

  /**
   * `open.promotion.coupon.statistic` (查询优惠券使用详情; couponId, businessLine 1 快手小店). Its response fields
   * (couponReceiveNum, couponUsedNum, usedCouponAmt) are seen only in an app model [U]: a field that is absent reads
   * null, never 0. Used by the coupon app's reconcile, behind COUPON_UNCONFIRMED_APIS_ENABLED (manifest readUsage).
   */
  async readCouponUsage(shop: ShopContext, platformCouponId: string): Promise<CouponUsage> {
    const data = await this.call(shop, 'open.promotion.coupon.statistic', { couponId: id(platformCouponId), businessLine: 1 });
    const n = (v: unknown): number | null => (v === undefined || v === null || str(v) === '' || !Number.isFinite(Number(v)) ? null : Number(v));
    return { claimed: n(data.couponReceiveNum), used: n(data.couponUsedNum), usedAmountFen: n(data.usedCouponAmt) };
  }

  refreshToken(shop: ShopContext): Promise<TokenSet> {
    return this.caller.refresh(shop);
  }

  override exchangeAuthCode(app: OAuthApp, code: string, redirectUri: string): Promise<AuthorisedShop> {
    return this.caller.exchangeCode(app, code, redirectUri);
  }

  verifyPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification> {
    return verifyKuaishouPush(req, secretFor);
  }

  pushReply(ok: boolean): { status: number; body: unknown } {
    return kuaishouPushReply(ok);
  }
}
