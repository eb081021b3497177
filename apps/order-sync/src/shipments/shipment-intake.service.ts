import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../shared/sql';
import type { ShipmentItemDto } from './dto/erp-shipments.dto';
import { ShipmentJobs } from './shipment-jobs';
import { toShipmentView, type ShipmentAccepted, type ShipmentRow, type ShipmentStatus, type ShipmentView } from './shipment.types';

/** a merchant sees only orders of its own shops (same rule as /erp/orders) */
const MERCHANT_SCOPE = `o.shop_id IN (SELECT sh.id FROM core.shops sh WHERE sh.merchant_id = $2::uuid)`;

interface InsertResultRow {
  idx: number;
  order_id: string | null;
  key: string | null;
  id: string | null;
  status: ShipmentStatus | null;
  duplicate: boolean;
}

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

@Injectable()
export class ShipmentIntakeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: ShipmentJobs,
  ) {}

  /** records the shipments and enqueues a ship-order job for every one still pending (new or resent) */
  async create(merchantId: string, items: ShipmentItemDto[]): Promise<{ results: ShipmentAccepted[]; enqueued: boolean }> {
    const rows = await queryRows<InsertResultRow>(this.dataSource, INSERT_SQL, [
      items.map((_, i) => i),
      items.map((s) => s.shipmentId ?? null),
      items.map((s) => s.orderId ?? null),
      items.map((s) => s.platform ?? null),
      items.map((s) => (s.orderId === undefined ? (s.platformOrderId ?? null) : null)),
      items.map((s) => s.trackingNo),
      items.map((s) => s.carrierCode),
      items.map((s) => JSON.stringify([...new Set(s.lineIds ?? [])])),
      merchantId,
    ]);
    // a key inserted by a concurrent request that committed after this statement's snapshot: read it now
    const missing = rows.filter((r) => r.key !== null && r.id === null).map((r) => r.key as string);
    if (missing.length > 0) {
      const late = await queryRows<{ id: string; idempotency_key: string; status: ShipmentStatus }>(
        this.dataSource,
        `SELECT id, idempotency_key, status FROM order_sync.shipments WHERE merchant_id = $2::uuid AND idempotency_key = ANY($1::text[])`,
        [missing, merchantId],
      );
      const byKey = new Map(late.map((l) => [l.idempotency_key, l]));
      for (const r of rows) {
        const l = r.key !== null && r.id === null ? byKey.get(r.key) : undefined;
        if (l) Object.assign(r, { id: l.id, status: l.status, duplicate: true });
      }
    }
    const results: ShipmentAccepted[] = rows.map((r) => ({
      index: r.idx,
      shipmentId: r.id,
      erpShipmentId: items[r.idx].shipmentId ?? null,
      orderId: r.order_id,
      status: r.id === null || r.status === null ? 'not_found' : r.status,
      duplicate: r.duplicate,
    }));
    const pending = [...new Set(results.filter((r) => r.status === 'pending' && r.shipmentId !== null).map((r) => r.shipmentId as string))];
    const enqueued = await this.jobs.add(pending.map((shipmentId) => ({ shipmentId })));
    return { results, enqueued };
  }

  /** the order's shipments, oldest first; 404 when the order is unknown or another merchant's */
  async listForOrder(merchantId: string, orderId: string): Promise<{ orderId: string; shipments: ShipmentView[] }> {
    const rows = await queryRows<ShipmentRow>(
      this.dataSource,
      `SELECT s.* FROM order_sync.orders o
         JOIN order_sync.shipments s ON s.order_id = o.id
        WHERE o.id = $1 AND ${MERCHANT_SCOPE}
        ORDER BY s.created_at, s.seq`,
      [orderId, merchantId],
    );
    if (rows.length === 0) {
      const exists = await queryRows<{ id: string }>(this.dataSource, `SELECT o.id FROM order_sync.orders o WHERE o.id = $1 AND ${MERCHANT_SCOPE}`, [
        orderId,
        merchantId,
      ]);
      if (exists.length === 0) throw new NotFoundException(`order ${orderId} not found`);
    }
    return { orderId, shipments: rows.map(toShipmentView) };
  }
}
