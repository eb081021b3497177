import { UpstreamError, type CanonicalOrder, type OrderPage, type PartialListing, type Platform, type ShipmentRequest } from '@app/contracts';

/** What an adapter needs to call the platform for one shop. Decrypted only in memory, never logged. */
export interface ShopCredentials {
  appKey: string;
  appSecret: string;
  accessToken: string | null;
  refreshToken: string | null;
  accessTokenExpiresAt: Date | null;
}

/** Where a shop ships from (province / city), as the merchant set it on the shop. Taobao's item.add requires it. */
export interface ShopLocation {
  state: string;
  city: string;
}

export interface ShopContext {
  /** our shop id (uuid); breakers and rate limits are keyed by it */
  shopId: string;
  platform: Platform;
  platformShopId: string;
  /** the platform gateway base URL: the real host in production, a simulator in tests */
  baseUrl: string;
  credentials: ShopCredentials;
  /** the shop's location (core.shops.location_state / location_city); absent or null when the merchant has not set it */
  location?: ShopLocation | null;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  accessTokenExpiresAt: Date;
  /**
   * When the refresh token (the grant) ends for good, where the platform says (Kuaishou: a fixed 180 days from the
   * first authorisation, refresh_token_expires_in); after it only a new authorisation helps. Absent: not said.
   */
  refreshTokenExpiresAt?: Date | null;
}

/** An app (key + secret + the operator's base URL) exchanging an authorisation code. */
export interface OAuthApp {
  appKey: string;
  appSecret: string;
  baseUrl: string;
}

/** What a code exchange proves: which platform shop authorised the app, and its tokens. */
export interface AuthorisedShop {
  platformShopId: string;
  shopName: string | null;
  tokens: TokenSet;
}

/** What a platform can do through its open API. Callers ask instead of catching "not implemented". */
export interface PlatformCapabilities {
  stockDelta: boolean;
  tokenRefresh: boolean;
  pushTransport: 'http' | 'tmc';
  /** largest window for an incremental (update-time) order list, seconds */
  orderListMaxWindowSec: number;
  /** true when the list must be paged from the last page back to the first */
  orderListPagesBackward: boolean;
  orderListMaxPageSize: number;
  /** true when the incremental list returns full orders (line items, amounts): no detail call per order */
  orderListIncludesDetail: boolean;
  /**
   * The API methods the order path reads orders with (each its own quota under PLATFORM_QPS_SCOPE=api): the
   * incremental list and the per-order detail. For ops' quota figures (calls needed against the quota).
   */
  orderApis?: { list: string; detail: string };
  /**
   * true when findProductByOuterId works: the platform finds a product by our outer product id, so a
   * create whose answer was lost (timeout after the platform committed) can be found instead of created
   * again. Absent = false.
   */
  productLookupByOuterId?: boolean;
  /** true when getSkuPrice reads the price the platform shows for a SKU (to verify a price change). Absent = false. */
  priceRead?: boolean;
  /** true when the adapter implements CouponManager (create / find / stop coupon batches). Absent = false. */
  couponApi?: boolean;
  /** true when the adapter implements CouponStockAdder (add stock to a coupon batch). Absent = false. */
  couponStockAdd?: boolean;
  /** true when the adapter implements CouponUsageReader (a batch's usage statistics). Absent = false. */
  couponUsage?: boolean;
}

export interface OrderListQuery {
  /** update-time window, inclusive start, exclusive end */
  from: Date;
  to: Date;
  /** paging state returned by the previous call (opaque), null for the first call */
  page: string | null;
  pageSize?: number;
  /**
   * newest first (default: oldest first). Pollers walk a window oldest first so a cursor can advance; the
   * order path asks newest first, because the orders its messages name changed a moment ago: the first page
   * holds them even when thousands of orders changed earlier in the window.
   */
  newestFirst?: boolean;
}

export interface StockUpdate {
  platformProductId: string;
  platformSkuId: string;
  quantity: number;
  mode: 'full' | 'delta';
  /** required for delta updates on platforms that deduplicate them */
  idempotencyId?: string;
}

export interface PriceUpdate {
  platformProductId: string;
  platformSkuId: string;
  priceFen: number;
  originalPriceFen?: number;
}

/** A SKU's price as the platform shows it, in fen. */
export interface SkuPrice {
  priceFen: number;
  /** the struck-through / market price, when the platform reports one */
  originalPriceFen?: number;
}

export interface ListingSku {
  skuCode: string; // ERP SKU code, sent as the platform's out/outer/erp code
  platformSkuId?: string; // known on update
  specs: Record<string, string>;
  priceFen: number;
  originalPriceFen: number;
  stock: number;
  barcode?: string;
}

export interface ProductListing {
  platformProductId?: string; // set when updating an existing listing
  outerProductId: string; // our product id
  title: string;
  description: string;
  images: string[];
  categoryId: string;
  attributes: Record<string, string>;
  skus: ListingSku[];
}

export interface ListingResult {
  platformProductId: string;
  skus: { skuCode: string; platformSkuId: string }[];
}

/** re-exported for adapters: what a failed upsertProduct carries in `details.partialListing` */
export type { PartialListing };

/** A verified push message, reduced to what the order path needs. */
export interface PushMessage {
  platform: Platform;
  /** unique per platform message; the inbox's dedupe key */
  messageId: string;
  platformShopId: string | null;
  /** the platform's tag / topic / msgTag */
  topic: string;
  kind: 'order' | 'refund' | 'product' | 'auth' | 'check' | 'other';
  platformOrderId: string | null;
  /** platform's update time of the event, ISO UTC, when the message carries one */
  occurredAt: string | null;
  /**
   * when the message announces a payment: the payment's time, ISO UTC (the order's SLA clock starts there,
   * before the order itself is read). Absent / null for every other message.
   */
  paidAt?: string | null;
  /** the message's own payload, as the platform sent it (a JSON string) */
  raw: string;
}

export interface PushRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /**
   * the push URL's query parameters, for platforms whose push names its app only in the URL the app registered
   * (Kuaishou: an AES-encrypted body with no header, so /webhooks/kuaishou?appKey=<appKey>)
   */
  query?: Record<string, unknown>;
  /**
   * the path the push was posted to, without the query (e.g. `/webhooks/xiaohongshu`), for platforms that sign it
   * (Xiaohongshu signs path + query + headers, not the body)
   */
  path?: string;
}

export type PushVerification =
  | { ok: true; messages: PushMessage[] }
  | { ok: false; status: number; reason: string };

/** Looks up an app's secret by its app key (several shops can share one app). */
export type AppSecretLookup = (appKey: string) => Promise<string | null>;

/**
 * The port every platform adapter implements. Errors are always `UpstreamError` from @app/contracts.
 */
export abstract class PlatformAdapter {
  abstract readonly platform: Platform;
  abstract readonly capabilities: PlatformCapabilities;

  abstract listOrders(shop: ShopContext, query: OrderListQuery): Promise<OrderPage>;
  abstract getOrder(shop: ShopContext, platformOrderId: string): Promise<CanonicalOrder>;
  abstract ship(shop: ShopContext, shipment: ShipmentRequest): Promise<void>;
  abstract updateStock(shop: ShopContext, update: StockUpdate): Promise<void>;
  abstract getStock(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<number>;
  abstract updatePrice(shop: ShopContext, update: PriceUpdate): Promise<void>;

  /**
   * The price the platform shows for one SKU, read back through its own read API. Only where
   * capabilities.priceRead; elsewhere it rejects with invalid_request (code not_supported).
   */
  getSkuPrice(_shop: ShopContext, _platformProductId: string, _platformSkuId: string): Promise<SkuPrice> {
    return Promise.reject(new UpstreamError(this.platform, 'invalid_request', 'getSkuPrice not supported by platform', { code: 'not_supported' }));
  }
  /**
   * Creates the listing (no platformProductId) or updates it. When it fails after the platform created
   * the product (or some of its SKUs), the UpstreamError carries `details.partialListing` (see
   * withPartialListing in @app/contracts): the caller stores those ids before retrying, so the retry is
   * an update and never creates a second product.
   */
  abstract upsertProduct(shop: ShopContext, listing: ProductListing): Promise<ListingResult>;

  /**
   * The product this shop holds under our outer product id, with the SKU ids by ERP code; null when there
   * is none. Only where capabilities.productLookupByOuterId; elsewhere it rejects with invalid_request.
   */
  findProductByOuterId(_shop: ShopContext, _outerProductId: string): Promise<ListingResult | null> {
    return Promise.reject(new UpstreamError(this.platform, 'invalid_request', 'findProductByOuterId not supported by platform', { code: 'not_supported' }));
  }
  abstract refreshToken(shop: ShopContext): Promise<TokenSet>;

  /**
   * OAuth onboarding: exchanges the authorisation code the platform redirected back with for the shop's tokens,
   * and says which platform shop authorised the app.
   */
  exchangeAuthCode(_app: OAuthApp, _code: string, _redirectUri: string): Promise<AuthorisedShop> {
    return Promise.reject(new UpstreamError(this.platform, 'invalid_request', 'exchangeAuthCode not supported by platform', { code: 'not_supported' }));
  }

  /** HTTP push transports (douyin, xiaohongshu). */
  abstract verifyPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification>;
  /** the platform's success / failure reply body for a push */
  abstract pushReply(ok: boolean): { status: number; body: unknown };
}
