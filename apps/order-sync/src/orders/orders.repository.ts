import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ACK_RETURNING, type AckRow } from '../sla/sla-ledger.service';
import { queryRows } from '../shared/sql';
import type { OrderRow } from './order-row';

/** a stored order's update time and whether the ERP has acknowledged it */
export interface StoredOrderVersion {
  shop_id: string;
  platform_order_id: string;
  platform_updated_at: Date;
  acked: boolean;
}

/** an order row of the ERP's pull page, with its change cursor (`<xid>-<seq>`) */
export type ErpPageRow = OrderRow & { cursor: string };

/** a first ack of an order through the pull API, and its pay -> ack time */
export type ErpAckRow = AckRow & { latency_s: number | null };

const ERP_VISIBLE = `o.status <> 'pending_payment' AND (o.pay_time IS NOT NULL OR o.cod)`;
/** rows written by transactions that can still commit are held back, so nothing slips in behind a cursor */
const COMMITTED = `o.change_xid < pg_snapshot_xmin(pg_current_snapshot())`;

/** a merchant sees only orders of its own shops */
const MERCHANT_SCOPE = (param: string) => `o.shop_id IN (SELECT s.id FROM core.shops s WHERE s.merchant_id = ${param}::uuid)`;

/**
 * Statements on `order_sync.orders` outside the write path (OrderUpsertRepository owns the upsert and its
 * transaction's reads): the ingest's stored-version read and the ERP pull API's page and ack.
 */
@Injectable()
export class OrdersRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** the stored version of each (shop, platform order id) pair that exists: one statement, by the table's unique key */
  async storedVersions(shopIds: string[], platformOrderIds: string[]): Promise<StoredOrderVersion[]> {
    return this.ds.query(
      `SELECT shop_id, platform_order_id, platform_updated_at, erp_acked_at IS NOT NULL AS acked FROM order_sync.orders
        WHERE (shop_id, platform_order_id) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))`,
      [shopIds, platformOrderIds],
    );
  }

  /**
   * The ERP's pull page: the merchant's ERP-visible orders changed after (`xid`, `seq`), in change order. Pages
   * only cover transactions older than every running one, so the order of what is returned never changes.
   */
  async erpPage(merchantId: string, xid: string, seq: string, limit: number): Promise<ErpPageRow[]> {
    return this.ds.query(
      `SELECT o.*, o.change_xid::text || '-' || o.change_seq::text AS cursor
         FROM order_sync.orders o
        WHERE (o.change_xid, o.change_seq) > ($1::xid8, $2::bigint) AND ${COMMITTED} AND ${ERP_VISIBLE}
          AND ${MERCHANT_SCOPE('$4')}
        ORDER BY o.change_xid, o.change_seq
        LIMIT $3`,
      [xid, seq, limit, merchantId],
    );
  }

  /**
   * One statement, in the caller's transaction: sets erp_acked_at once per order of the merchant named by
   * `orderIds` (or, when null, changed up to (`xid`, `seq`)) and settles the orders' pending push rows in
   * order_sync.outbox (a CTE of the same statement). Returns the first acks.
   */
  async ackForErp(em: EntityManager, merchantId: string, orderIds: string[] | null, xid: string, seq: string): Promise<ErpAckRow[]> {
    return queryRows<ErpAckRow>(
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
      [orderIds, xid, seq, merchantId],
    );
  }
}
