import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CanonicalOrder } from '@app/contracts';
import { BuyerVault } from '../orders/buyer-vault';
import { rowToCanonical, type OrderRow } from '../orders/order-row';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import { ACK_RETURNING, SlaLedger, type AckRow } from '../sla/sla-ledger.service';
import { queryRows } from '../shared/sql';

export interface ErpOrderView {
  orderId: string;
  version: number;
  cursor: string;
  order: CanonicalOrder;
  erpOrderId: string | null;
  erpAckedAt: string | null;
}

export interface ErpOrderPage {
  orders: ErpOrderView[];
  nextCursor: string;
}

const ERP_VISIBLE = `o.status <> 'pending_payment' AND (o.pay_time IS NOT NULL OR o.cod)`;
/** rows written by transactions that can still commit are held back, so nothing slips in behind a cursor */
const COMMITTED = `o.change_xid < pg_snapshot_xmin(pg_current_snapshot())`;

/** a merchant sees only orders of its own shops */
const MERCHANT_SCOPE = (param: string) => `o.shop_id IN (SELECT s.id FROM core.shops s WHERE s.merchant_id = ${param}::uuid)`;

function parseCursor(cursor: string | undefined): [string, string] {
  if (!cursor) return ['0', '0'];
  const [xid, seq] = cursor.split('-');
  return [xid, seq];
}

/**
 * The ERP's pull side: orders in change order. A change is (writing transaction id, change sequence); pages
 * only cover transactions older than every running one, so the order of what is returned never changes.
 */
@Injectable()
export class ErpOrdersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: OrderSyncMetrics,
    private readonly vault: BuyerVault,
    private readonly ledger: SlaLedger,
  ) {}

  /** `merchantId`: only that merchant's shops (the gateway always passes the caller's merchant) */
  async list(merchantId: string, cursor: string | undefined, limit: number): Promise<ErpOrderPage> {
    const [xid, seq] = parseCursor(cursor);
    const rows: (OrderRow & { cursor: string })[] = await this.dataSource.query(
      `SELECT o.*, o.change_xid::text || '-' || o.change_seq::text AS cursor
         FROM order_sync.orders o
        WHERE (o.change_xid, o.change_seq) > ($1::xid8, $2::bigint) AND ${COMMITTED} AND ${ERP_VISIBLE}
          AND ${MERCHANT_SCOPE('$4')}
        ORDER BY o.change_xid, o.change_seq
        LIMIT $3`,
      [xid, seq, limit, merchantId],
    );
    return {
      orders: rows.map((r) => ({
        orderId: r.id,
        version: r.version,
        cursor: r.cursor,
        // the ERP pull API is one of the two places buyer data is opened (the other: delivery)
        order: rowToCanonical(r, this.vault.open(r.id, r.buyer_enc)),
        erpOrderId: r.erp_order_id,
        erpAckedAt: r.erp_acked_at ? r.erp_acked_at.toISOString() : null,
      })),
      nextCursor: rows.length > 0 ? rows[rows.length - 1].cursor : (cursor ?? '0-0'),
    };
  }

  /** sets erp_acked_at once per order (the SLA clock stops), settles its pending push rows, and the SLA ledger judges it */
  async ack(merchantId: string, sel: { orderIds?: string[]; cursor?: string }): Promise<{ acked: number }> {
    const [xid, seq] = parseCursor(sel.cursor);
    const { rows, events } = await this.dataSource.transaction(async (em) => {
      const rows = await queryRows<AckRow & { latency_s: number | null }>(
        em,
        `WITH todo AS (
           -- row locks in the ingest's order (OrderUpsertRepository): two writers never wait on each other in a cycle
           SELECT o.id FROM order_sync.orders o
            WHERE o.erp_acked_at IS NULL AND ${ERP_VISIBLE} AND ${MERCHANT_SCOPE('$4')}
              AND (CASE WHEN $1::uuid[] IS NOT NULL THEN o.id = ANY($1::uuid[])
                        ELSE (o.change_xid, o.change_seq) <= ($2::xid8, $3::bigint) AND ${COMMITTED} END)
            ORDER BY o.shop_id, o.platform_order_id
            FOR UPDATE OF o
         ), acked AS (
           UPDATE order_sync.orders o SET erp_acked_at = now()
             FROM todo WHERE o.id = todo.id AND o.erp_acked_at IS NULL
           RETURNING ${ACK_RETURNING}, true AS first_ack, EXTRACT(EPOCH FROM o.erp_acked_at - o.sla_started_at)::float8 AS latency_s
         ), settled AS (
           UPDATE order_sync.outbox b SET status = 'delivered', delivered_at = now(), last_error = 'acked through the pull API'
            WHERE b.order_id IN (SELECT order_id FROM acked) AND b.kind = 'push' AND b.status NOT IN ('delivered', 'failed')
         )
         SELECT *, NULL::text AS erp_error FROM acked`,
        [sel.orderIds ?? null, xid, seq, merchantId],
      );
      return { rows, events: await this.ledger.recordAcks(em, rows) };
    });
    this.ledger.publish(events);
    for (const r of rows) this.metrics.acked(r);
    return { acked: rows.length };
  }
}
