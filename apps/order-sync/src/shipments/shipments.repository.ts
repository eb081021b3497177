import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../shared/sql';
import type { ShipmentRow, ShipmentStatus, ShipmentWithOrder } from './shipment.types';

/** a merchant sees only orders of its own shops (same rule as /erp/orders) */
const MERCHANT_SCOPE = `o.shop_id IN (SELECT sh.id FROM core.shops sh WHERE sh.merchant_id = $2::uuid)`;

const WITH_ORDER = `s.*, o.shop_id, o.status AS order_status, o.refund_status AS order_refund_status`;

/** takes the row's lease when it is pending and due; the order is read in the same statement */
const CLAIM_SQL = `
  WITH c AS (
    UPDATE order_sync.shipments
       SET next_attempt_at = now() + make_interval(secs => $2), attempts = attempts + 1, updated_at = now()
     WHERE id = $1 AND status = 'pending' AND next_attempt_at <= now()
    RETURNING *
  )
  SELECT c.*, o.shop_id, o.status AS order_status, o.refund_status AS order_refund_status FROM c JOIN order_sync.orders o ON o.id = c.order_id`;

/**
 * One statement: resolve each item's order (by our id or by platform + platform order id, among the calling
 * merchant's shops only — another merchant's order is not_found), insert the new
 * shipments (ON CONFLICT on (merchant, idempotency key) = resend is a no-op; keys are per merchant, so another
 * merchant naming the same ERP shipment id first changes nothing of this one's) and answer every item, in request order,
 * with the row it maps to — new or already known.
 */
const INSERT_SQL = `
  WITH merchant_shops AS (
    SELECT id FROM core.shops WHERE merchant_id = $9::uuid
  ), input AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
      AS i(idx, erp_shipment_id, order_id, platform, platform_order_id, tracking_no, carrier_code, line_ids)
  ), resolved AS (
    SELECT DISTINCT ON (i.idx) i.idx, i.erp_shipment_id, i.tracking_no, i.carrier_code, i.line_ids,
           COALESCE(o1.id, o2.id) AS oid,
           COALESCE(o1.platform, o2.platform) AS o_platform,
           COALESCE(o1.platform_order_id, o2.platform_order_id) AS o_pid
      FROM input i
      LEFT JOIN order_sync.orders o1 ON i.order_id IS NOT NULL AND o1.id = i.order_id AND (i.platform IS NULL OR o1.platform = i.platform)
                                    AND o1.shop_id IN (SELECT id FROM merchant_shops)
      LEFT JOIN order_sync.orders o2 ON i.order_id IS NULL AND o2.platform = i.platform AND o2.platform_order_id = i.platform_order_id
                                    AND o2.shop_id IN (SELECT id FROM merchant_shops)
     ORDER BY i.idx, COALESCE(o1.id, o2.id)
  ), keyed AS (
    SELECT r.*,
           CASE WHEN r.oid IS NULL THEN NULL
                WHEN r.erp_shipment_id IS NOT NULL THEN 'erp-' || r.erp_shipment_id
                ELSE 'auto-' || encode(sha256(convert_to(r.oid::text || '/' || r.tracking_no, 'UTF8')), 'hex') END AS key
      FROM resolved r
  ), ins AS (
    INSERT INTO order_sync.shipments (merchant_id, order_id, platform, platform_order_id, tracking_no, carrier_code, line_ids, erp_shipment_id, idempotency_key)
    SELECT $9::uuid, d.oid, d.o_platform, d.o_pid, d.tracking_no, d.carrier_code, d.line_ids::jsonb, d.erp_shipment_id, d.key
      FROM (SELECT DISTINCT ON (k.key) k.* FROM keyed k WHERE k.key IS NOT NULL ORDER BY k.key, k.idx) d
     ORDER BY d.idx -- seq follows the order the ERP sent them in
    ON CONFLICT (merchant_id, idempotency_key) DO NOTHING
    RETURNING id, idempotency_key, status
  )
  SELECT k.idx, k.oid AS order_id, k.key,
         COALESCE(ins.id, s.id) AS id,
         COALESCE(ins.status, s.status) AS status,
         (k.key IS NOT NULL AND (ins.id IS NULL OR k.idx <> min(k.idx) OVER (PARTITION BY k.key))) AS duplicate
    FROM keyed k
    LEFT JOIN ins ON ins.idempotency_key = k.key
    LEFT JOIN order_sync.shipments s ON s.merchant_id = $9::uuid AND s.idempotency_key = k.key
   ORDER BY k.idx`;

/** one shipment of a POST /erp/shipments request, as the insert takes it (the order named by our id, or by platform + platform order id) */
export interface NewShipment {
  erpShipmentId: string | null;
  orderId: string | null;
  platform: string | null;
  /** null when `orderId` names the order */
  platformOrderId: string | null;
  trackingNo: string;
  carrierCode: string;
  lineIds: string[];
}

/** the insert's answer for one item (`idx`: its index in the request) */
export interface InsertedShipment {
  idx: number;
  order_id: string | null;
  key: string | null;
  id: string | null;
  status: ShipmentStatus | null;
  duplicate: boolean;
}

/**
 * Every statement on order_sync.shipments (and what the shipment path reads of its order): the intake's insert
 * and reads, the write-back's lease, outcomes and ERP notice, the sweeper's stale rows. The services decide;
 * this class only reads and writes.
 */
@Injectable()
export class ShipmentsRepository {
  constructor(private readonly ds: DataSource) {}

  /** INSERT_SQL: each item resolved to the merchant's order, new ones inserted; one answer per item, in request order */
  async insert(merchantId: string, items: NewShipment[]): Promise<InsertedShipment[]> {
    return queryRows<InsertedShipment>(this.ds, INSERT_SQL, [
      items.map((_, i) => i),
      items.map((s) => s.erpShipmentId),
      items.map((s) => s.orderId),
      items.map((s) => s.platform),
      items.map((s) => s.platformOrderId),
      items.map((s) => s.trackingNo),
      items.map((s) => s.carrierCode),
      items.map((s) => JSON.stringify(s.lineIds)),
      merchantId,
    ]);
  }

  /** the merchant's shipments of these idempotency keys */
  async byKeys(merchantId: string, keys: string[]): Promise<{ id: string; idempotency_key: string; status: ShipmentStatus }[]> {
    return queryRows<{ id: string; idempotency_key: string; status: ShipmentStatus }>(
      this.ds,
      `SELECT id, idempotency_key, status FROM order_sync.shipments WHERE merchant_id = $2::uuid AND idempotency_key = ANY($1::text[])`,
      [keys, merchantId],
    );
  }

  /** the order's shipments, oldest first; none when the order is unknown or another merchant's */
  async forOrder(merchantId: string, orderId: string): Promise<ShipmentRow[]> {
    return queryRows<ShipmentRow>(
      this.ds,
      `SELECT s.* FROM order_sync.orders o
         JOIN order_sync.shipments s ON s.order_id = o.id
        WHERE o.id = $1 AND ${MERCHANT_SCOPE}
        ORDER BY s.created_at, s.seq`,
      [orderId, merchantId],
    );
  }

  /** the order exists and is one of the merchant's */
  async orderVisible(merchantId: string, orderId: string): Promise<boolean> {
    const exists = await queryRows<{ id: string }>(this.ds, `SELECT o.id FROM order_sync.orders o WHERE o.id = $1 AND ${MERCHANT_SCOPE}`, [
      orderId,
      merchantId,
    ]);
    return exists.length > 0;
  }

  /** CLAIM_SQL: the shipment leased for `leaseSec` when it is pending and due, with its order; null otherwise */
  async claim(shipmentId: string, leaseSec: number): Promise<ShipmentWithOrder | null> {
    return (await queryRows<ShipmentWithOrder>(this.ds, CLAIM_SQL, [shipmentId, leaseSec]))[0] ?? null;
  }

  /** the shipment with its order and how long until it is due; null when there is none */
  async withOrder(shipmentId: string): Promise<(ShipmentWithOrder & { wait_ms: number }) | null> {
    const rows = await queryRows<ShipmentWithOrder & { wait_ms: number }>(
      this.ds,
      `SELECT ${WITH_ORDER}, GREATEST(0, EXTRACT(EPOCH FROM s.next_attempt_at - now()) * 1000)::int AS wait_ms
         FROM order_sync.shipments s JOIN order_sync.orders o ON o.id = s.order_id WHERE s.id = $1`,
      [shipmentId],
    );
    return rows[0] ?? null;
  }

  /** the order's status and refund status as stored now; null when there is no such order */
  async orderState(orderId: string): Promise<{ status: string; refund_status: string } | null> {
    const ours = await queryRows<{ status: string; refund_status: string }>(
      this.ds,
      `SELECT status, refund_status FROM order_sync.orders WHERE id = $1`,
      [orderId],
    );
    return ours[0] ?? null;
  }

  /** the merchant of the order's shop (whose ERP hears the shipment); null when not found */
  async merchantOfOrder(orderId: string): Promise<string | null> {
    const merchant = await queryRows<{ merchant_id: string }>(
      this.ds,
      `SELECT s.merchant_id FROM order_sync.orders o JOIN core.shops s ON s.id = o.shop_id WHERE o.id = $1`,
      [orderId],
    );
    return merchant[0]?.merchant_id ?? null;
  }

  /** a pending shipment's final status (`lastError` null for shipped); a row already final is left alone */
  async finish(id: string, status: Exclude<ShipmentStatus, 'pending'>, lastError: string | null): Promise<void> {
    await this.ds.query(
      `UPDATE order_sync.shipments
          SET status = $2, last_error = $3, updated_at = now(), shipped_at = CASE WHEN $2 = 'shipped' THEN now() END
        WHERE id = $1 AND status = 'pending'`,
      [id, status, lastError],
    );
  }

  /** the ERP heard the shipment's final outcome */
  async markNotified(id: string): Promise<void> {
    await this.ds.query(`UPDATE order_sync.shipments SET erp_notified_at = now() WHERE id = $1`, [id]);
  }

  /** a pending shipment due again after `delayMs`, with the error */
  async markRetry(id: string, error: string, delayMs: number): Promise<void> {
    await this.ds.query(
      `UPDATE order_sync.shipments
          SET next_attempt_at = now() + make_interval(secs => $3 / 1000.0), last_error = $2, updated_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [id, error, delayMs],
    );
  }

  /** pending shipments created and due (or leased) more than `staleSec` ago, oldest first, at most `limit` */
  async stalePending(staleSec: number, limit: number): Promise<{ id: string }[]> {
    return this.ds.query(
      `SELECT id FROM order_sync.shipments
        WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
          AND next_attempt_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2`,
      [staleSec, limit],
    );
  }
}
