import type { Platform } from '@app/contracts';

/** Order lifecycle inside the simulators (platform status codes are derived from it). */
export type SimOrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'completed' | 'cancelled' | 'refunded';

export type SimOrderEvent = 'created' | 'paid' | 'shipped' | 'completed' | 'cancelled' | 'refunded';

/** A shop the simulator accepts, with the credentials an adapter uses. */
export interface SimShopConfig {
  platformShopId: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  refreshToken: string;
  /** access-token lifetime in seconds (default 7 days) */
  tokenTtlSec?: number;
  shopName?: string;
}

export interface SimSku {
  skuId: string;
  productId: string;
  shopId: string;
  /** the merchant's ERP code (out_sku_id / outer_id / erpCode) */
  skuCode: string;
  specs: Record<string, string>;
  stock: number;
  priceFen: number;
  originalPriceFen: number;
  barcode: string | null;
  available: boolean;
  updatedAt: number; // ms
}

export interface SimProduct {
  productId: string;
  shopId: string;
  outerProductId: string;
  title: string;
  description: string;
  categoryId: string;
  images: string[];
  attributes: Record<string, string>;
  skuIds: string[];
  createdAt: number;
  updatedAt: number;
}

export interface SimOrderLine {
  lineId: string;
  productId: string;
  skuId: string;
  skuCode: string;
  title: string;
  quantity: number;
  unitPriceFen: number;
  /** share of the order discount carried by this line */
  discountFen: number;
}

export interface SimOrder {
  orderId: string;
  shopId: string;
  status: SimOrderStatus;
  createdAt: number; // ms
  paidAt: number | null;
  updatedAt: number;
  shippedAt: number | null;
  completedAt: number | null;
  cancelledAt: number | null;
  refundedAt: number | null;
  /** status before a refund (refund before / after shipment) */
  refundedFrom: SimOrderStatus | null;
  items: SimOrderLine[];
  shippingFen: number;
  discountFen: number;
  logistics: { companyCode: string; trackingNo: string; at: number } | null;
  buyerNick: string;
  receiver: { name: string; phone: string; address: string };
  /** true when made by the order generator */
  generated: boolean;
  /** the merchant coupon the buyer redeemed (a coupon of this store), its amount part of discountFen; absent: none */
  coupon?: { couponId: string; amountFen: number } | null;
}

export interface SimCoupon {
  couponId: string;
  shopId: string;
  denominationYuan: number;
  conditionYuan: number;
  startTime: number;
  endTime: number;
  createdAt: number;
  /** buyer nick -> coupon number */
  issued: Record<string, string>;
  // Kuaishou (open.promotion.coupon.*) only; absent on Taobao coupons. There denominationYuan / conditionYuan are
  // reduceAmount / threshold (fen) divided by 100, startTime / endTime the claim window (receiveStartTime / receiveEndTime).
  /** the coupon's name */
  name?: string;
  /** the merchant's idempotency key of the create (outerUniqueKey), null when none was sent */
  outerUniqueKey?: string | null;
  /** the batch's total quantity (totalStock, raised by stock.add) */
  totalStock?: number;
  /** when the coupon was ended before its endTime (coupon.over); null while it runs */
  stoppedAt?: number | null;
  /** the create's business parameters as the platform took them (plain JSON) */
  params?: Record<string, unknown>;
  /** orders the generator made with this coupon (its truth: redemptions = those not refunded / cancelled) */
  used?: number;
}

/** One call the simulator accepted (after signature, token, QPS and fault checks). */
export interface RequestLogEntry {
  at: number;
  method: string;
  platformShopId: string | null;
  params: Record<string, unknown>;
}

export type FaultKind = 'busy' | 'rate_limited' | 'token_expired' | 'auth_revoked' | 'invalid_request';

export type DownMode = false | 'refused' | '503';

export interface SimulatorOptions {
  /** 0 = random free port */
  port?: number;
  host?: string;
  shops?: SimShopConfig[];
  /** per-shop QPS limit (default 100); null disables */
  qps?: number | null;
  /** optional per-shop per-API QPS limit */
  qpsPerApi?: number | null;
  pushUrl?: string | null;
  /** messages per push POST (default 20) */
  pushBatchSize?: number;
  /** concurrent push POSTs (default 4) */
  pushConcurrency?: number;
  /** first retry delay; doubles per attempt up to pushRetryMaxMs */
  pushRetryBaseMs?: number;
  pushRetryMaxMs?: number;
  /** give up on a push batch after this many attempts (default 20) */
  pushMaxAttempts?: number;
  /** seed for the deterministic RNG (ids, generated orders) */
  seed?: number;
  /** products per shop created at start (default 5, 3 SKUs each); 0 = empty catalogue */
  products?: number;
  /** largest accepted request body (default 1 MiB) */
  maxBodyBytes?: number;
  /** request-log ring size (default 20000) */
  requestLogLimit?: number;
  /** Taobao TMC: consumed-but-unconfirmed messages come back after this (default 60 s) */
  tmcRedeliverAfterMs?: number;
}

export type { Platform };
