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
