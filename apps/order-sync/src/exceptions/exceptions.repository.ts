import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../shared/sql';

/** how far back informational exceptions (a refused transition, a refused platform answer) are shown */
export const INFO_WINDOW_HOURS = 24;
/** per type: an inbox is for a person to read; the counts beyond are in `truncated` */
export const PER_TYPE_LIMIT = 200;

export interface FailedDeliveryRow { id: string; order_id: string; version: number; kind: string; attempts: number; last_error: string | null; since: Date; platform: string; platform_order_id: string; shop_id: string }
export interface FailedShipmentRow { id: string; order_id: string; platform: string; platform_order_id: string; erp_shipment_id: string; tracking_no: string; attempts: number; last_error: string | null; since: Date }
export interface FailedPushRow { id: string; platform: string; message_id: string; topic: string; platform_order_id: string | null; shop_id: string; attempts: number; last_error: string | null; since: Date }
export interface RejectedTransitionRow { id: string; order_id: string; platform: string; platform_order_id: string; from_status: string; to_status: string; platform_status: string | null; since: Date }
export interface RefusedAnswerRow { id: string; shop_id: string; platform: string; platform_order_id: string; reason: string; since: Date }

/**
 * Every statement of the exception inbox on order-sync's tables. Each read is scoped to the merchant (outbox
 * and shipments carry merchant_id; inbox, refused answers and transitions through their shop) and leaves out
 * what the merchant resolved.
 */
@Injectable()
export class ExceptionsRepository {
  constructor(private readonly ds: DataSource) {}

  failedDeliveries(merchantId: string): Promise<FailedDeliveryRow[]> {
    return this.ds.query(
      `SELECT b.id::text, b.order_id, b.version, b.kind, b.attempts, b.last_error, b.created_at AS since, o.platform, o.platform_order_id, o.shop_id
         FROM order_sync.outbox b JOIN order_sync.orders o ON o.id = b.order_id
        WHERE b.merchant_id = $1 AND b.status = 'failed'
          AND NOT EXISTS (SELECT 1 FROM order_sync.exception_resolutions r WHERE r.merchant_id = $1 AND r.key = 'erp_rejected:' || b.id || ':' || b.attempts)
        ORDER BY b.id DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  failedShipments(merchantId: string): Promise<FailedShipmentRow[]> {
    return this.ds.query(
      `SELECT s.id::text, s.order_id, s.platform, s.platform_order_id, s.erp_shipment_id, s.tracking_no, s.attempts, s.last_error, s.updated_at AS since
         FROM order_sync.shipments s
        WHERE s.merchant_id = $1 AND s.status = 'failed'
          AND NOT EXISTS (SELECT 1 FROM order_sync.exception_resolutions r WHERE r.merchant_id = $1 AND r.key = 'shipment_failed:' || s.id || ':' || s.attempts)
        ORDER BY s.updated_at DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  failedPushes(merchantId: string): Promise<FailedPushRow[]> {
    return this.ds.query(
      `SELECT i.id::text, i.platform, i.message_id, i.topic, i.platform_order_id, i.shop_id, i.attempts, i.last_error, i.received_at AS since
         FROM order_sync.inbox i JOIN core.shops sh ON sh.id = i.shop_id
        WHERE sh.merchant_id = $1 AND i.status = 'failed'
          AND NOT EXISTS (SELECT 1 FROM order_sync.exception_resolutions r WHERE r.merchant_id = $1 AND r.key = 'push_unprocessable:' || i.id || ':' || i.attempts)
        ORDER BY i.id DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  rejectedTransitions(merchantId: string): Promise<RejectedTransitionRow[]> {
    return this.ds.query(
      `SELECT t.id::text, t.order_id, t.platform, t.platform_order_id, t.from_status, t.to_status, t.platform_status, t.at AS since
         FROM order_sync.order_transitions_rejected t
         JOIN order_sync.orders o ON o.id = t.order_id JOIN core.shops sh ON sh.id = o.shop_id
        WHERE sh.merchant_id = $1 AND t.at > now() - interval '${INFO_WINDOW_HOURS} hours'
          AND NOT EXISTS (SELECT 1 FROM order_sync.exception_resolutions r WHERE r.merchant_id = $1 AND r.key = 'illegal_transition:' || t.id)
        ORDER BY t.id DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  refusedAnswers(merchantId: string): Promise<RefusedAnswerRow[]> {
    return this.ds.query(
      `SELECT f.id::text, f.shop_id, f.platform, f.platform_order_id, f.reason, f.at AS since
         FROM order_sync.orders_refused f JOIN core.shops sh ON sh.id = f.shop_id
        WHERE sh.merchant_id = $1 AND f.at > now() - interval '${INFO_WINDOW_HOURS} hours'
          AND NOT EXISTS (SELECT 1 FROM order_sync.exception_resolutions r WHERE r.merchant_id = $1 AND r.key = 'platform_answer_refused:' || f.id)
        ORDER BY f.id DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  async resolve(merchantId: string, key: string, note: string | null): Promise<void> {
    await this.ds.query(
      `INSERT INTO order_sync.exception_resolutions (merchant_id, key, note) VALUES ($1, $2, $3) ON CONFLICT (merchant_id, key) DO NOTHING`,
      [merchantId, key, note],
    );
  }

  /** a failed shipment back to pending and due now: the shipment sweeper re-enqueues it */
  async retryShipment(merchantId: string, id: string): Promise<boolean> {
    const rows = await queryRows(
      this.ds,
      `UPDATE order_sync.shipments SET status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
        WHERE id = $1 AND merchant_id = $2 AND status = 'failed' RETURNING id`,
      [id, merchantId],
    );
    return rows.length > 0;
  }

  /** a failed push message back to pending: the sweeper re-enqueues its ingest */
  async retryPush(merchantId: string, id: string): Promise<boolean> {
    const rows = await queryRows(
      this.ds,
      `UPDATE order_sync.inbox i SET status = 'pending', attempts = 0, last_error = NULL
         FROM core.shops sh WHERE i.id = $1 AND sh.id = i.shop_id AND sh.merchant_id = $2 AND i.status = 'failed' RETURNING i.id`,
      [id, merchantId],
    );
    return rows.length > 0;
  }
}
