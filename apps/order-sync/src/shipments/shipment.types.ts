import type { OrderStatus, Platform } from '@app/contracts';

export const SHIPMENT_STATUSES = ['pending', 'shipped', 'blocked_by_refund', 'failed'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** `order_sync.shipments` as read by the services (raw SQL rows). */
export interface ShipmentRow {
  id: string;
  order_id: string;
  platform: Platform;
  platform_order_id: string;
  tracking_no: string;
  carrier_code: string;
  line_ids: string[];
  erp_shipment_id: string | null;
  idempotency_key: string;
  status: ShipmentStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  erp_notified_at: Date | null;
  created_at: Date;
  updated_at: Date;
  shipped_at: Date | null;
}

/** a shipment row with what the worker needs of its order */
export interface ShipmentWithOrder extends ShipmentRow {
  shop_id: string;
  order_status: OrderStatus;
  order_refund_status: string;
}

/** one shipment as the HTTP API shows it */
export interface ShipmentView {
  shipmentId: string;
  erpShipmentId: string | null;
  orderId: string;
  platform: Platform;
  platformOrderId: string;
  trackingNo: string;
  carrierCode: string;
  lineIds: string[];
  status: ShipmentStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  shippedAt: string | null;
  erpNotifiedAt: string | null;
}

/** per-item answer of POST /erp/shipments, in request order */
export interface ShipmentAccepted {
  index: number;
  /** our shipment id; null when the order is unknown */
  shipmentId: string | null;
  erpShipmentId: string | null;
  orderId: string | null;
  status: ShipmentStatus | 'not_found';
  /** true when the same shipment (same idempotency key) was already recorded; nothing new was done */
  duplicate: boolean;
}

export function toShipmentView(r: ShipmentRow): ShipmentView {
  return {
    shipmentId: r.id,
    erpShipmentId: r.erp_shipment_id,
    orderId: r.order_id,
    platform: r.platform,
    platformOrderId: r.platform_order_id,
    trackingNo: r.tracking_no,
    carrierCode: r.carrier_code,
    lineIds: r.line_ids,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    shippedAt: r.shipped_at ? r.shipped_at.toISOString() : null,
    erpNotifiedAt: r.erp_notified_at ? r.erp_notified_at.toISOString() : null,
  };
}
