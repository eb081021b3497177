import type { Platform } from './platform';

/**
 * Canonical order status set. Every platform status maps onto one of these.
 * `rank` orders them along the lifecycle: a message with a lower rank and an equal update time
 * never overwrites a higher one.
 */
export const ORDER_STATUSES = [
  'pending_payment',
  'paid',
  'partially_shipped',
  'shipped',
  'completed',
  'refunding',
  'refunded',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_STATUS_RANK: Record<OrderStatus, number> = {
  pending_payment: 0,
  paid: 1,
  partially_shipped: 2,
  shipped: 3,
  refunding: 4,
  completed: 5,
  refunded: 6,
  cancelled: 6,
};

/** Money is always integer fen (1/100 CNY). */
export type Fen = number;

export interface CanonicalOrderItem {
  /** platform sub-order / line id, kept as a string (19-digit ids lose precision as numbers) */
  lineId: string;
  platformProductId: string;
  platformSkuId: string;
  /** the merchant's code (out_sku_id / outer_sku_id / erpCode) — how the ERP knows the SKU */
  erpSkuCode: string | null;
  title: string | null;
  quantity: number;
  unitPriceFen: Fen;
  paidFen: Fen;
  discountFen: Fen;
}

export interface CanonicalOrder {
  platform: Platform;
  shopId: string;
  /** platform order id as a string, exact */
  platformOrderId: string;
  /**
   * The platform's id of the shop the order belongs to, where the platform's answer says it (Douyin
   * `shop_id`); absent where the protocol does not carry it. Ingest and poll refuse an order whose
   * platform shop is not the asking shop's.
   */
  platformShopId?: string | null;
  status: OrderStatus;
  /** the platform's own status code or string, for audit */
  platformStatus: string;
  createdAt: string; // ISO-8601 UTC
  paidAt: string | null;
  updatedAt: string;
  cashOnDelivery: boolean;
  totalFen: Fen;
  paidFen: Fen;
  shippingFen: Fen;
  discountFen: Fen;
  buyer: { nickMasked: string | null; receiverMasked: string | null; phoneMasked: string | null; addressMasked: string | null };
  items: CanonicalOrderItem[];
  refundStatus: 'none' | 'requested' | 'refunded' | 'rejected';
  /**
   * The order's discount lines as the platform reports them (issue 11 item 4), where the adapter reads them:
   * absent (or empty) means the platform's answer named none. The sum need not equal discountFen (platforms
   * report some discounts, e.g. price cuts already in the unit price, only as amounts).
   */
  discounts?: CanonicalDiscountLine[];
}

/** who bore a discount's cost */
export const DISCOUNT_BEARERS = ['shop', 'platform', 'influencer', 'payment', 'unknown'] as const;
export type DiscountBearer = (typeof DISCOUNT_BEARERS)[number];

/**
 * One discount on an order. `coupon`: a coupon the buyer redeemed (a merchant coupon when bearer is shop);
 * `promotion`: a campaign or activity (满减, 立减, 秒杀 ...); `subsidy`: a platform allowance.
 */
export interface CanonicalDiscountLine {
  kind: 'coupon' | 'promotion' | 'subsidy' | 'other';
  bearer: DiscountBearer;
  amountFen: Fen;
  /** the platform's coupon batch id where the order names it (Douyin coupon_meta_id); null where it does not (Kuaishou, Xiaohongshu) */
  platformCouponId: string | null;
  /** the platform's promotion / campaign id where it gives one (Taobao promotion_id, Douyin campaign_id) */
  platformPromotionId: string | null;
  /** the platform's own type code of the line (Kuaishou subType 1001, Douyin coupon_type 23 ...), for audit */
  platformType: string | null;
  name: string | null;
}

/**
 * What apps/coupon's redemption count needs of an order change (issue 11 item 4): ids, status, money and the
 * discount lines. No buyer data: the event sits in Redis.
 */
export interface CouponOrderEvent {
  platform: Platform;
  shopId: string;
  platformOrderId: string;
  status: OrderStatus;
  refundStatus: CanonicalOrder['refundStatus'];
  paidAt: string | null;
  updatedAt: string;
  /** goods value before discounts (fen), the GMV a redemption is credited with */
  totalFen: Fen;
  paidFen: Fen;
  discounts: CanonicalDiscountLine[];
}

/**
 * Whether an order change is a coupon event: it names a coupon line, or it is a refund / cancellation (which
 * gives back a redemption counted from an earlier version, even when this version's answer lists no discounts).
 */
export function isCouponRelevant(o: Pick<CanonicalOrder, 'status' | 'refundStatus' | 'discounts'>): boolean {
  return (o.discounts ?? []).some((d) => d.kind === 'coupon') || o.status === 'refunded' || o.status === 'cancelled' || o.refundStatus === 'refunded';
}

export function toCouponOrderEvent(o: CanonicalOrder): CouponOrderEvent {
  return {
    platform: o.platform,
    shopId: o.shopId,
    platformOrderId: o.platformOrderId,
    status: o.status,
    refundStatus: o.refundStatus,
    paidAt: o.paidAt ?? null,
    updatedAt: o.updatedAt,
    totalFen: o.totalFen - o.shippingFen,
    paidFen: o.paidFen,
    discounts: (o.discounts ?? []).map((d) => ({
      kind: d.kind,
      bearer: d.bearer,
      amountFen: d.amountFen,
      platformCouponId: d.platformCouponId,
      platformPromotionId: d.platformPromotionId,
      platformType: d.platformType,
      name: d.name,
    })),
  };
}

/** Summary row from an incremental list call; may already be a full order when the list returns details. */
export interface OrderPage {
  orders: CanonicalOrder[];
  /** ids the list returned without enough detail; callers fetch them with getOrder */
  partialIds: string[];
  /** the platform's update time (ISO UTC) of each partial id, where the list says it: a caller that already
   * holds that version can skip the detail call */
  partialUpdatedAt?: Record<string, string>;
  hasMore: boolean;
  /** opaque paging state to pass back, or null when done */
  next: string | null;
  /**
   * orders the list returned that could not be mapped (a platform status we have no mapping for): not in
   * `orders`; the caller records and skips them, and the rest of the page goes on
   */
  unmapped?: UnmappedOrder[];
}

/** An order of a list page left out because its platform status has no canonical mapping. */
export interface UnmappedOrder {
  platformOrderId: string;
  /** the platform's status as listed */
  platformStatus: string;
  /** the platform's update time (ISO UTC) where readable */
  updatedAt: string | null;
}

export interface ShipmentRequest {
  platformOrderId: string;
  trackingNo: string;
  carrierCode: string;
  /** line ids for a split shipment; empty = whole order */
  lineIds: string[];
}

/**
 * What catalog-sync's stock reservations need of an order change: ids, status, times and SKU / quantity
 * lines. No buyer data and no money: job payloads sit in Redis.
 */
export interface StockOrderEvent {
  platform: Platform;
  shopId: string;
  platformOrderId: string;
  status: OrderStatus;
  createdAt: string | null;
  paidAt: string | null;
  updatedAt: string;
  items: Pick<CanonicalOrderItem, 'lineId' | 'platformSkuId' | 'erpSkuCode' | 'quantity'>[];
}

/** the stock event of an order (picks the fields explicitly, so nothing else of the order reaches Redis) */
export function toStockOrderEvent(o: Pick<CanonicalOrder, 'platform' | 'shopId' | 'platformOrderId' | 'status' | 'createdAt' | 'paidAt' | 'updatedAt' | 'items'>): StockOrderEvent {
  return {
    platform: o.platform,
    shopId: o.shopId,
    platformOrderId: o.platformOrderId,
    status: o.status,
    createdAt: o.createdAt ?? null,
    paidAt: o.paidAt ?? null,
    updatedAt: o.updatedAt,
    items: o.items.map((i) => ({ lineId: i.lineId, platformSkuId: i.platformSkuId, erpSkuCode: i.erpSkuCode, quantity: i.quantity })),
  };
}
