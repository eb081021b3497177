import { ORDER_STATUS_RANK, type CanonicalOrder, type OrderStatus, type Platform } from '@app/contracts';

/** `order_sync.orders` as read by the services (raw SQL rows; bigints arrive as strings). */
export interface OrderRow {
  id: string;
  platform: Platform;
  shop_id: string;
  platform_order_id: string;
  status: OrderStatus;
  platform_status: string;
  platform_updated_at: Date;
  status_rank: number;
  version: number;
  pay_time: Date | null;
  created_at_platform: Date;
  cod: boolean;
  total_fen: string;
  paid_fen: string;
  shipping_fen: string;
  discount_fen: string;
  /** the buyer, sealed (BuyerVault) */
  buyer_enc: Buffer;
  items: CanonicalOrder['items'];
  refund_status: CanonicalOrder['refundStatus'];
  erp_order_id: string | null;
  erp_acked_at: Date | null;
}

/** `buyer`: the row's buyer, opened by the caller (BuyerVault) — only where the ERP gets the order */
export function rowToCanonical(r: OrderRow, buyer: CanonicalOrder['buyer']): CanonicalOrder {
  return {
    platform: r.platform,
    shopId: r.shop_id,
    platformOrderId: r.platform_order_id,
    status: r.status,
    platformStatus: r.platform_status,
    createdAt: r.created_at_platform.toISOString(),
    paidAt: r.pay_time ? r.pay_time.toISOString() : null,
    updatedAt: r.platform_updated_at.toISOString(),
    cashOnDelivery: r.cod,
    totalFen: Number(r.total_fen),
    paidFen: Number(r.paid_fen),
    shippingFen: Number(r.shipping_fen),
    discountFen: Number(r.discount_fen),
    buyer,
    items: r.items,
    refundStatus: r.refund_status,
  };
}

/** The SLA clock starts at pay time, or at creation for cash on delivery. */
export function slaStart(o: CanonicalOrder): string | null {
  return o.cashOnDelivery ? o.createdAt : o.paidAt;
}

/** (update time, status rank): the order in which versions of one order supersede each other */
export function isNewer(a: CanonicalOrder, b: { updatedAt: number; rank: number }): boolean {
  const t = Date.parse(a.updatedAt);
  if (t !== b.updatedAt) return t > b.updatedAt;
  return ORDER_STATUS_RANK[a.status] > b.rank;
}
