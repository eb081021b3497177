import type { CanonicalOrder, OrderPage, ShipmentRequest } from '@app/contracts';
import { UpstreamError, withPartialListing } from '@app/contracts';
import { RawNumber, douyinParamJson } from '../signing';
import {
  DEFAULT_RATE_LIMIT_WAIT_MS,
  PlatformCaller,
  arr,
  checkWindow,
  createPlatformAxios,
  mapListed,
  num,
  obj,
  specDimensions,
  str,
  type Json,
  type PlatformAdapterDeps,
} from '../http';
import {
  PlatformAdapter,
  type AppSecretLookup,
  type ListingResult,
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
import type { CouponDraft, CouponManager, PlatformCoupon } from '../capabilities';
import { DY_ABLE_INVALIDATE, douyinCouponCreateParams, douyinCouponFromListItem, douyinCouponMatches, douyinCouponStatus } from './douyin.coupons';
import { douyinOrderToCanonical } from './douyin.mapper';
import { DouyinProtocol } from './douyin.protocol';
import { douyinPushReply, verifyDouyinPush } from './douyin.push';

/** A 19-digit int64 id emitted as a bare JSON number (never through a JS double). */
function id64(v: string): RawNumber | string {
  return /^\d+$/.test(v) ? new RawNumber(v) : v;
}

/**
 * `product_format_new`, the shape the SDK documents (zsmhub/doudian-sdk api/product_addV2/request: "格式：
 * {"property_id":[{"value":value,"name":"property_name","diy_type":0}]} name的类型是string，value和diy_type的类型是
 * number"), property and value ids from product.getCatePropertyV2. Our catalogue keys attributes by name (材质),
 * which Douyin cannot take, and we hold no name -> property id table: only attributes keyed by a Douyin property
 * id (all digits; set them in the product's douyin overrides) are sent. Their value is `<value_id>:<name>` for an
 * option of the property (e.g. "1687": "596120136:无品牌") or free text, sent as value 0 (e.g. "785": "棉75%").
 * Name-keyed attributes are not sent (they stay for the other platforms and our own checks); with no id-keyed
 * attribute the field is left out and Douyin's own category checks decide. One value per property.
 */
export function douyinProductFormat(attributes: Record<string, string>): string | undefined {
  const out: Record<string, { value: RawNumber; name: string; diy_type: number }[]> = {};
  for (const [key, raw] of Object.entries(attributes)) {
    if (!/^\d+$/.test(key)) continue;
    const text = raw.trim();
    const option = /^(\d+):(.+)$/.exec(text);
    const name = option ? option[2].trim() : text;
    if (!name) throw new UpstreamError('douyin', 'invalid_request', `attribute ${key} (a Douyin property id) has no value`);
    out[key] = [{ value: new RawNumber(option ? option[1] : '0'), name, diy_type: 0 }];
  }
  return Object.keys(out).length > 0 ? douyinParamJson(out) : undefined;
}

/** SKU ids by our code from a `product.detail` answer (`spec_prices[]`: sku_id, code / outer_sku_id). */
function skuIdsOf(detail: Json): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of arr(detail.spec_prices)) {
    const row = obj(r);
    const code = str(row.code) || str(row.outer_sku_id) || str(row.out_sku_id);
    const skuId = str(row.sku_id);
    if (code && skuId) out.set(code, skuId);
  }
  return out;
}

/** findCoupon reads at most this many pages of this size of marketing.GetShopCouponMetaList */
export const DY_COUPON_FIND_PAGES = 10;
export const DY_COUPON_PAGE_SIZE = 50;

export class DouyinAdapter extends PlatformAdapter implements CouponManager {
  readonly platform = 'douyin' as const;
  readonly capabilities: PlatformCapabilities = {
    stockDelta: true,
    tokenRefresh: true,
    pushTransport: 'http',
    // the platform's maximum is unconfirmed (PROTOCOLS.md 7.1); we stay within one day
    orderListMaxWindowSec: 86_400,
    orderListPagesBackward: false,
    orderListMaxPageSize: 100,
    orderListIncludesDetail: true,
    orderApis: { list: 'order.searchList', detail: 'order.orderDetail' },
    productLookupByOuterId: true,
    priceRead: true,
    // marketing.createCoupon / GetShopCouponMetaList / AbleCouponMeta (douyin.coupons.ts); the manifest marks them
    // unconfirmed, so the coupon app calls them only with COUPON_UNCONFIRMED_APIS_ENABLED
    couponApi: true,
  };
  private readonly caller: PlatformCaller;

  constructor(deps: PlatformAdapterDeps) {
    super();
    const http = createPlatformAxios('douyin', deps.options);
    this.caller = new PlatformCaller(new DouyinProtocol(http, deps.options.defaultRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS), deps);
  }

  async listOrders(shop: ShopContext, query: OrderListQuery): Promise<OrderPage> {
    checkWindow('douyin', query.from, query.to, this.capabilities.orderListMaxWindowSec);
    const size = Math.min(query.pageSize ?? this.capabilities.orderListMaxPageSize, this.capabilities.orderListMaxPageSize);
    const page = query.page === null ? 0 : Number(query.page);
    if (!Number.isInteger(page) || page < 0) throw new UpstreamError('douyin', 'invalid_request', `bad paging state ${query.page}`);
    const data = obj(
      await this.caller.call(shop, 'order.searchList', {
        update_time_start: Math.floor(query.from.getTime() / 1000),
        update_time_end: Math.floor((query.to.getTime() - 1) / 1000),
        order_by: 'update_time',
        order_asc: query.newestFirst !== true,
        page,
        size,
      }),
    );
    // an order whose status has no mapping is left out (reported in unmapped), never the whole page
    const { orders: all, unmapped } = mapListed(arr(data.shop_order_list).map((o) => obj(o)), (o) => douyinOrderToCanonical(shop, o), (o) => str(o.order_id));
    const total = num(data.total);
    const hasMore = (page + 1) * size < total;
    // order.searchList carries the promotion amounts but no promotion_detail (MARKETING-KUAISHOU-ALERTS.md 1.1): an
    // order with promotion_amount > 0 is a partial id, so the caller's getOrder (order.orderDetail) gives its
    // discount lines (which coupon batch, coupon_meta_id). One detail call per discounted order, none for the rest;
    // with partialUpdatedAt the poll skips the call when it already holds that version (a push brought it).
    const partial = all.filter((o) => o.discountFen > 0);
    const orders = all.filter((o) => o.discountFen <= 0);
    return {
      orders,
      partialIds: partial.map((o) => o.platformOrderId),
      partialUpdatedAt: Object.fromEntries(partial.map((o) => [o.platformOrderId, o.updatedAt])),
      hasMore,
      next: hasMore ? String(page + 1) : null,
      unmapped,
    };
  }

  async getOrder(shop: ShopContext, platformOrderId: string): Promise<CanonicalOrder> {
    const data = obj(await this.caller.call(shop, 'order.orderDetail', { shop_order_id: platformOrderId }));
    const detail = obj(data.shop_order_detail);
    if (!str(detail.order_id)) throw new UpstreamError('douyin', 'not_found', `order ${platformOrderId} not returned`);
    return douyinOrderToCanonical(shop, detail);
  }

  async ship(shop: ShopContext, shipment: ShipmentRequest): Promise<void> {
    if (shipment.lineIds.length === 0) {
      await this.caller.call(shop, 'order.logisticsAdd', {
        order_id: shipment.platformOrderId,
        company_code: shipment.carrierCode,
        logistics_code: shipment.trackingNo,
      });
      return;
    }
    // split shipment: one pack carrying the given lines with their full quantities
    const order = await this.getOrder(shop, shipment.platformOrderId);
    const lines = order.items.filter((i) => shipment.lineIds.includes(i.lineId));
    if (lines.length !== shipment.lineIds.length) throw new UpstreamError('douyin', 'invalid_request', 'unknown line id in split shipment');
    await this.caller.call(shop, 'order.logisticsAddMultiPack', {
      order_id: shipment.platformOrderId,
      pack_list: [
        {
          company_code: shipment.carrierCode,
          logistics_code: shipment.trackingNo,
          shipped_order_info: lines.map((l) => ({ shipped_order_id: l.lineId, shipped_num: l.quantity })),
        },
      ],
    });
  }

  async updateStock(shop: ShopContext, update: StockUpdate): Promise<void> {
    const incremental = update.mode === 'delta';
    if (incremental && !update.idempotencyId) throw new UpstreamError('douyin', 'invalid_request', 'delta stock update needs an idempotencyId');
    await this.caller.call(shop, 'sku.syncStock', {
      product_id: id64(update.platformProductId),
      sku_id: id64(update.platformSkuId),
      stock_num: update.quantity,
      incremental,
      idempotent_id: incremental ? update.idempotencyId : undefined,
    });
  }

  async getStock(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<number> {
    const data = obj(await this.caller.call(shop, 'sku.detail', { product_id: id64(platformProductId), sku_id: id64(platformSkuId) }));
    return num(data.stock_num);
  }

  async updatePrice(shop: ShopContext, update: PriceUpdate): Promise<void> {
    await this.caller.call(shop, 'sku.editPrice', {
      product_id: id64(update.platformProductId),
      sku_id: id64(update.platformSkuId),
      price: update.priceFen,
    });
  }

  /** `product.detail` (the listed read API): the SKU's row in `spec_prices` (price in fen); `market_price` is the product's struck price. */
  override async getSkuPrice(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<SkuPrice> {
    const data = obj(await this.caller.call(shop, 'product.detail', { product_id: id64(platformProductId) }));
    const row = arr(data.spec_prices).map((r) => obj(r)).find((r) => str(r.sku_id) === platformSkuId);
    if (!row) throw new UpstreamError('douyin', 'not_found', `sku ${platformSkuId} not in product ${platformProductId}`);
    const priceFen = num(row.price, NaN);
    if (!Number.isInteger(priceFen)) throw new UpstreamError('douyin', 'retryable', `product.detail returned no price for sku ${platformSkuId}`);
    const market = num(data.market_price, 0);
    return market > 0 ? { priceFen, originalPriceFen: market } : { priceFen };
  }

  async upsertProduct(shop: ShopContext, listing: ProductListing): Promise<ListingResult> {
    const dims = specDimensions(listing.skus);
    const params: Record<string, unknown> = {
      name: listing.title,
      pic: listing.images.join('|'),
      description: listing.description,
      category_leaf_id: id64(listing.categoryId),
      product_format_new: douyinProductFormat(listing.attributes),
      outer_product_id: listing.outerProductId,
      specs: dims.map(([k, vs]) => `${k}|${vs.join(',')}`).join('^'),
      spec_prices: JSON.stringify(
        listing.skus.map((s) => {
          const row: Record<string, unknown> = { code: s.skuCode, price: s.priceFen, stock_num: s.stock, sku_type: 0 };
          dims.forEach(([k], i) => (row[`spec_detail_name${i + 1}`] = s.specs[k] ?? ''));
          if (s.platformSkuId) row.sku_id = s.platformSkuId;
          return row;
        }),
      ),
      pay_type: 1,
      reduce_type: 1,
      commit: true,
    };
    const method = listing.platformProductId ? 'product.editV2' : 'product.addV2';
    if (listing.platformProductId) params.product_id = id64(listing.platformProductId);
    const data = obj(await this.caller.call(shop, method, params));
    const productId = str(data.product_id) || listing.platformProductId;
    if (!productId) throw new UpstreamError('douyin', 'retryable', `${method} returned no product_id`);
    // the product exists from here on: any failure carries its id (and the SKU ids known so far)
    const known = new Map<string, string>();
    for (const s of listing.skus) if (s.platformSkuId) known.set(s.skuCode, s.platformSkuId);
    for (const r of arr(data.sku)) {
      const code = str(obj(r).code) || str(obj(r).out_sku_id);
      if (code && str(obj(r).sku_id)) known.set(code, str(obj(r).sku_id));
    }
    const partial = () => ({ platformProductId: productId, skus: [...known].map(([skuCode, platformSkuId]) => ({ skuCode, platformSkuId })) });
    try {
      // editV2 answers without SKU ids, and a create may leave some out: read them from product.detail
      if (listing.skus.some((s) => !known.has(s.skuCode))) {
        for (const [code, skuId] of skuIdsOf(obj(await this.caller.call(shop, 'product.detail', { product_id: id64(productId) })))) {
          if (listing.skus.some((s) => s.skuCode === code)) known.set(code, skuId);
        }
      }
      return {
        platformProductId: productId,
        skus: listing.skus.map((s) => {
          const platformSkuId = known.get(s.skuCode);
          if (!platformSkuId) throw new UpstreamError('douyin', 'retryable', `${method} left sku ${s.skuCode} without a sku_id`);
          return { skuCode: s.skuCode, platformSkuId };
        }),
      };
    } catch (e) {
      throw withPartialListing(e, 'douyin', partial());
    }
  }

  /** `product.detail` by `out_product_id` (our product id); null when the shop has no such product. */
  override async findProductByOuterId(shop: ShopContext, outerProductId: string): Promise<ListingResult | null> {
    let data: Json;
    try {
      data = obj(await this.caller.call(shop, 'product.detail', { out_product_id: outerProductId }));
    } catch (e) {
      if (e instanceof UpstreamError && e.kind === 'not_found') return null;
      throw e;
    }
    const productId = str(data.product_id_str) || str(data.product_id);
    if (!productId) return null;
    const found = str(data.outer_product_id) || str(data.out_product_id);
    if (found && found !== outerProductId) throw new UpstreamError('douyin', 'retryable', `product.detail for ${outerProductId} returned product of ${found}`);
    return { platformProductId: productId, skus: [...skuIdsOf(data)].map(([skuCode, platformSkuId]) => ({ skuCode, platformSkuId })) };
  }

  // ---- coupons (marketing.*, douyin.coupons.ts; the manifest's `coupons` marks every call unconfirmed) ----

  /** `marketing.createCoupon`; answers `{coupon_meta_id}` (the batch id the orders' coupon_info names). No idempotency key. */
  async createCoupon(shop: ShopContext, draft: CouponDraft): Promise<PlatformCoupon> {
    const params = douyinCouponCreateParams(draft, shop.platformShopId);
    const data = obj(await this.caller.call(shop, 'marketing.createCoupon', params));
    const id = str(data.coupon_meta_id);
    if (!id) throw new UpstreamError('douyin', 'retryable', 'marketing.createCoupon returned no coupon_meta_id');
    // a created batch is enabled (status 3); before its apply window it is not claimable yet
    return { platformCouponId: id, status: douyinCouponStatus(3, String(params.start_apply_time)), totalQuantity: draft.totalQuantity };
  }

  /**
   * The batch the draft would create, found after a lost create answer: `marketing.GetShopCouponMetaList` filtered by
   * coupon_name and type, every status and promotion scope (is_show -1), offset/limit pages of 50, at most 10 pages;
   * an item matches on name, type, apply window (to the second), amounts and type_detail (douyinCouponMatches: the
   * create has no idempotency key). null only when the list was read to its end; two matches, or a list longer than
   * the bound, are errors (a wrong or null answer could adopt another campaign's coupon or make a second one).
   */
  async findCoupon(shop: ShopContext, draft: CouponDraft): Promise<PlatformCoupon | null> {
    const params = douyinCouponCreateParams(draft, shop.platformShopId);
    const hits: Json[] = [];
    let seen = 0;
    for (let page = 0; page < DY_COUPON_FIND_PAGES; page += 1) {
      const data = obj(
        await this.caller.call(shop, 'marketing.GetShopCouponMetaList', {
          coupon_name: params.coupon_name,
          type: params.type,
          is_show: -1,
          offset: page * DY_COUPON_PAGE_SIZE,
          limit: DY_COUPON_PAGE_SIZE,
        }),
      );
      const items = arr(data.shop_coupon_meta_list).map((i) => obj(i));
      hits.push(...items.filter((i) => douyinCouponMatches(i, params)));
      seen += items.length;
      const count = num(data.count, NaN);
      if (items.length < DY_COUPON_PAGE_SIZE || (Number.isFinite(count) && seen >= count)) {
        if (hits.length > 1) {
          throw new UpstreamError('douyin', 'invalid_request', `marketing.GetShopCouponMetaList: ${hits.length} coupons (${hits.map((h) => str(h.coupon_meta_id)).join(', ')}) match ${draft.name} with the same window and amounts; which is ours is not known`, {
            code: 'coupon_lookup_ambiguous',
          });
        }
        return hits.length === 1 ? douyinCouponFromListItem(hits[0]) : null;
      }
    }
    throw new UpstreamError('douyin', 'invalid_request', `marketing.GetShopCouponMetaList: more than ${DY_COUPON_FIND_PAGES * DY_COUPON_PAGE_SIZE} coupons named ${draft.name}; whether ours is among them is not known`, {
      code: 'coupon_lookup_exhausted',
    });
  }

  /** `marketing.AbleCouponMeta` with status 2 (invalidate): the batch can no longer be claimed */
  async stopCoupon(shop: ShopContext, platformCouponId: string): Promise<void> {
    await this.caller.call(shop, 'marketing.AbleCouponMeta', { coupon_meta_id: id64(platformCouponId), status: DY_ABLE_INVALIDATE });
  }

  refreshToken(shop: ShopContext): Promise<TokenSet> {
    return this.caller.refresh(shop);
  }

  override exchangeAuthCode(app: OAuthApp, code: string, redirectUri: string): Promise<AuthorisedShop> {
    return this.caller.exchangeCode(app, code, redirectUri);
  }

  verifyPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification> {
    return verifyDouyinPush(req, secretFor);
  }

  pushReply(ok: boolean): { status: number; body: unknown } {
    return douyinPushReply(ok);
  }
}
