import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What the trace shows of an order: its state and ids, never buyer data (buyer_enc stays sealed). */
export interface TracedOrderRow {
  id: string;
  platform: string;
  shop_id: string;
  platform_order_id: string;
  status: string;
  platform_status: string | null;
  version: number;
  pay_time: Date | null;
  sla_started_at: Date | null;
  created_at_platform: Date | null;
  platform_updated_at: Date | null;
  first_seen_at: Date;
  updated_at: Date;
  found_by_poll_at: Date | null;
  erp_order_id: string | null;
  erp_acked_at: Date | null;
  refund_status: string | null;
  items: unknown;
}

export interface TraceRows {
  inbox: { id: string; message_id: string; topic: string; kind: string; status: string; attempts: number; received_at: Date; processed_at: Date | null; occurred_at: Date | null; last_error: string | null }[];
  outbox: { id: string; version: number; kind: string; status: string; attempts: number; idempotency_key: string; created_at: Date; next_attempt_at: Date | null; delivered_at: Date | null; last_error: string | null; payload_status: string | null }[];
  /** the ERP's answers to the attempts that did not go through (postponed or refused), per outbox row */
  attempts: { outbox_id: string; at: Date; outcome: 'retry' | 'failed'; error: string | null }[];
  sla: { id: string; level: string; cause: string | null; age_ms: number; source: string | null; at: Date; disproved_at: Date | null; alerted_at: Date | null }[];
  rejected: { id: string; from_status: string; to_status: string; platform_status: string | null; platform_updated_at: Date | null; at: Date }[];
  refused: { id: string; reason: string; platform_updated_at: string | null; at: Date }[];
  shipments: { id: string; status: string; tracking_no: string; carrier_code: string; erp_shipment_id: string; attempts: number; created_at: Date; shipped_at: Date | null; erp_notified_at: Date | null; last_error: string | null }[];
}

const ORDER_COLUMNS = `o.id, o.platform, o.shop_id, o.platform_order_id, o.status, o.platform_status, o.version, o.pay_time,
  o.sla_started_at, o.created_at_platform, o.platform_updated_at, o.first_seen_at, o.updated_at, o.found_by_poll_at,
  o.erp_order_id, o.erp_acked_at, o.refund_status, o.items`;

/**
 * Every statement the order trace reads (issue 10 item 5). Read-only; each query is scoped to the caller's
 * merchant through the order's shop (core.shops.merchant_id), so another merchant's order id finds nothing.
 */
@Injectable()
export class OrderTraceRepository {
  constructor(private readonly ds: DataSource) {}

  async findById(merchantId: string, orderId: string): Promise<TracedOrderRow | null> {
    const rows: TracedOrderRow[] = await this.ds.query(
      `SELECT ${ORDER_COLUMNS} FROM order_sync.orders o JOIN core.shops s ON s.id = o.shop_id
        WHERE o.id = $1 AND s.merchant_id = $2`,
      [orderId, merchantId],
    );
    return rows[0] ?? null;
  }

  /** a platform order id is unique per shop; a merchant with two shops on one platform may hold it twice */
  findByPlatformOrderId(merchantId: string, platform: string, platformOrderId: string): Promise<TracedOrderRow[]> {
    return this.ds.query(
      `SELECT ${ORDER_COLUMNS} FROM order_sync.orders o JOIN core.shops s ON s.id = o.shop_id
        WHERE o.platform = $1 AND o.platform_order_id = $2 AND s.merchant_id = $3 ORDER BY o.first_seen_at`,
      [platform, platformOrderId, merchantId],
    );
  }

  async rowsFor(order: TracedOrderRow): Promise<TraceRows> {
    const byShop = [order.shop_id, order.platform, order.platform_order_id];
    const [inbox, outbox, sla, rejected, refused, shipments, attempts] = await Promise.all([
      this.ds.query(
        `SELECT id::text, message_id, topic, kind, status, attempts, received_at, processed_at, occurred_at, last_error
           FROM order_sync.inbox WHERE shop_id = $1 AND platform = $2 AND platform_order_id = $3 ORDER BY received_at, id`,
        byShop,
      ),
      this.ds.query(
        `SELECT id::text, version, kind, status, attempts, idempotency_key, created_at, next_attempt_at, delivered_at, last_error,
                payload->>'status' AS payload_status
           FROM order_sync.outbox WHERE order_id = $1 ORDER BY created_at, id`,
        [order.id],
      ),
      this.ds.query(
        `SELECT id::text, level, cause, age_ms, source, at, disproved_at, alerted_at FROM order_sync.sla_events
          WHERE order_id = $1 OR (order_id IS NULL AND shop_id = $2 AND platform_order_id = $3) ORDER BY at, id`,
        [order.id, order.shop_id, order.platform_order_id],
      ),
      this.ds.query(
        `SELECT id::text, from_status, to_status, platform_status, platform_updated_at, at
           FROM order_sync.order_transitions_rejected WHERE order_id = $1 ORDER BY at, id`,
        [order.id],
      ),
      this.ds.query(
        `SELECT id::text, reason, platform_updated_at, at FROM order_sync.orders_refused
          WHERE shop_id = $1 AND platform = $2 AND platform_order_id = $3 ORDER BY at, id`,
        byShop,
      ),
      this.ds.query(
        `SELECT id::text, status, tracking_no, carrier_code, erp_shipment_id, attempts, created_at, shipped_at, erp_notified_at, last_error
           FROM order_sync.shipments WHERE order_id = $1 ORDER BY created_at, id`,
        [order.id],
      ),
      this.ds.query(
        `SELECT a.outbox_id::text AS outbox_id, a.at, a.outcome, a.error
           FROM order_sync.erp_attempts a JOIN order_sync.outbox b ON b.id = a.outbox_id
          WHERE b.order_id = $1 ORDER BY a.id LIMIT 200`,
        [order.id],
      ),
    ]);
    return { inbox, outbox, sla, rejected, refused, shipments, attempts };
  }
}
