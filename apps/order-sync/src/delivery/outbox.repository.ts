import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { OutboxPayload } from '../orders/buyer-vault';
import type { DeliveryKind } from '../orders/order-transitions';
import { ACK_RETURNING, type AckRow } from '../sla/sla-ledger.service';
import { queryRows } from '../shared/sql';

export type OutboxKind = 'push' | 'intercept';

/** an outbox row claimed (locked and leased) for one ERP call */
export interface ClaimedOutboxRow {
  id: string;
  order_id: string;
  version: number;
  idempotency_key: string;
  attempts: number;
  /** the order as of this version, buyer sealed: opened only for the ERP call */
  payload: OutboxPayload;
}

/** a row's current state, for a job whose row this run did not claim */
export interface OutboxRowState {
  id: string;
  status: 'pending' | 'delivered' | 'failed';
  last_error: string | null;
  wait_ms: number;
}

/** one row the ERP accepted: its order id there and, when it says, when it accepted the order */
export interface OutboxAck {
  id: string;
  erpOrderId: string;
  acceptedAt?: string;
}

/** an ack statement's row: the order's ack (AckRow) and its pay-to-ack latency */
export type OutboxAckRow = AckRow & { latency_s: number | null };

export interface OutboxRetry {
  id: string;
  error: string;
  delayMs: number;
}

export interface OutboxFailure {
  id: string;
  error: string;
}

/**
 * Claims the named rows that are still pending and due: FOR UPDATE SKIP LOCKED (a concurrent worker's rows
 * are skipped) and a lease (next_attempt_at moved forward). The rows are found through the primary key only,
 * and their state is tested on the locked versions (c.*), never as `o.status = 'pending'`: that predicate lets
 * the planner scan the partial index of pending rows, which carries every delivered row's dead entry until
 * vacuum, so the claim would cost more with every order delivered since the last vacuum.
 * `$4` is the merchant whose ERP the call goes to: a claim (and so an ERP call) never holds another merchant's row.
 */
const CLAIM_SQL = `
  WITH c AS (
    SELECT id, kind, status, next_attempt_at, merchant_id FROM order_sync.outbox
     WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED
  )
  UPDATE order_sync.outbox o
     SET next_attempt_at = now() + make_interval(secs => $3), attempts = o.attempts + 1
    FROM c
   WHERE o.id = c.id AND c.kind = $2 AND c.status = 'pending' AND c.next_attempt_at <= now()
     AND c.merchant_id IS NOT DISTINCT FROM $4::uuid
  RETURNING o.id::text AS id, o.order_id, o.version, o.idempotency_key, o.attempts, o.payload`;

/**
 * Tops a call up from the merchant's backlog: its due pending push rows beyond the ids already in hand (`$3`),
 * oldest first, locked and leased exactly like CLAIM_SQL. `{merchant}` is `merchant_id = $2` or, for rows of
 * no merchant (the default ERP), `merchant_id IS NULL`, so the partial index on pending push rows per merchant
 * serves both. The status and due tests are re-checked on the locked row versions (FOR UPDATE in READ
 * COMMITTED), so a row another worker delivered in between is not sent again.
 */
const FILL_SQL = (merchant: string) => `
  WITH c AS (
    SELECT id FROM order_sync.outbox
     WHERE ${merchant} AND kind = 'push' AND status = 'pending' AND next_attempt_at <= now()
       AND NOT (id = ANY($3::bigint[]))
     ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
  )
  UPDATE order_sync.outbox o
     SET next_attempt_at = now() + make_interval(secs => $4), attempts = o.attempts + 1
    FROM c
   WHERE o.id = c.id
  RETURNING o.id::text AS id, o.order_id, o.version, o.idempotency_key, o.attempts, o.payload`;
const FILL_BY_MERCHANT_SQL = FILL_SQL('merchant_id = $2::uuid');
const FILL_NO_MERCHANT_SQL = FILL_SQL('merchant_id IS NULL AND $2::uuid IS NULL');

/**
 * Every statement of the ERP delivery on order_sync.outbox (and the erp_attempts history it writes with its
 * retries and failures, and the orders' ack). The insert is part of the order's own upsert
 * (OrderUpsertRepository); the sweeper, the ERP pull API and the trace read the table on their own.
 * ErpDeliveryService decides what each row's outcome is; this class only writes it.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** the rows' merchants (a job from before merchant ids were in job data); rows not found are absent */
  async merchantsOf(ids: string[]): Promise<{ id: string; merchant_id: string | null }[]> {
    return queryRows<{ id: string; merchant_id: string | null }>(
      this.ds,
      `SELECT id::text AS id, merchant_id FROM order_sync.outbox WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  /** one row's merchant; null for a row of no merchant or no row */
  async merchantOf(id: string): Promise<string | null> {
    const rows = await queryRows<{ merchant_id: string | null }>(this.ds, `SELECT merchant_id FROM order_sync.outbox WHERE id = $1::bigint`, [id]);
    return rows[0]?.merchant_id ?? null;
  }

  /** CLAIM_SQL: the named rows of `kind` of this merchant still pending and due, locked and leased for `leaseSec` */
  async claim(ids: string[], kind: OutboxKind, leaseSec: number, merchantId: string | null): Promise<ClaimedOutboxRow[]> {
    return queryRows<ClaimedOutboxRow>(this.ds, CLAIM_SQL, [ids, kind, leaseSec, merchantId]);
  }

  /** FILL_SQL: up to `room` more of the merchant's due push rows, none of `inHand`, leased like `claim` */
  async claimBacklog(merchantId: string | null, room: number, inHand: string[], leaseSec: number): Promise<ClaimedOutboxRow[]> {
    return queryRows<ClaimedOutboxRow>(this.ds, merchantId === null ? FILL_NO_MERCHANT_SQL : FILL_BY_MERCHANT_SQL, [room, merchantId, inHand, leaseSec]);
  }

  /** rows settled without a call (connector `pull`: the ERP reads them through GET /erp/orders); only the merchant's, only unfinished ones */
  async markHandedOver(ids: string[], merchantId: string | null): Promise<void> {
    await this.ds.query(
      `UPDATE order_sync.outbox SET status = 'delivered', delivered_at = now(), last_error = NULL
        WHERE id = ANY($1::bigint[]) AND status NOT IN ('delivered', 'failed') AND merchant_id IS NOT DISTINCT FROM $2::uuid`,
      [ids, merchantId],
    );
  }

  /** an interception the ERP accepted (no ack on the order: that is the push's) */
  async markInterceptDelivered(id: string): Promise<void> {
    await this.ds.query(`UPDATE order_sync.outbox SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1`, [id]);
  }

  /** the merchant's failed outbox rows (`ids`, or all of them for null) back to pending; another merchant's ids are not touched */
  async resetFailed(merchantId: string, ids: string[] | null): Promise<{ id: string; kind: OutboxKind; merchant_id: string | null }[]> {
    return queryRows<{ id: string; kind: OutboxKind; merchant_id: string | null }>(
      this.ds,
      `UPDATE order_sync.outbox b SET status = 'pending', next_attempt_at = now(), attempts = 0
        WHERE b.status = 'failed' AND ($1::bigint[] IS NULL OR b.id = ANY($1::bigint[])) AND b.merchant_id = $2::uuid
        RETURNING b.id::text AS id, b.kind, b.merchant_id`,
      [ids, merchantId],
    );
  }

  /** the rows' current state and how long until each is due; rows not found are absent */
  async states(ids: string[]): Promise<OutboxRowState[]> {
    return queryRows<OutboxRowState>(
      this.ds,
      `SELECT id::text AS id, status, last_error, GREATEST(0, EXTRACT(EPOCH FROM next_attempt_at - now()) * 1000)::int AS wait_ms
         FROM order_sync.outbox WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  /**
   * The ack, in the caller's transaction (the SLA ledger judges it in the same one): rows delivered, each order's
   * first ack time set (the ERP's own acceptedAt when it says, kept between the order first seen and now; else
   * now). One row per order acked.
   */
  async ack(em: EntityManager, rows: OutboxAck[]): Promise<OutboxAckRow[]> {
    return queryRows<OutboxAckRow>(
      em,
      `WITH acks AS (
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS a(outbox_id, erp_order_id, accepted_at)
         ), before AS (
           -- the rows as they were (same snapshot as the update): the ERP's last failure, for the SLA cause
           SELECT b.id, b.last_error FROM order_sync.outbox b JOIN acks ON b.id = acks.outbox_id
         ), d AS (
           UPDATE order_sync.outbox o SET status = 'delivered', delivered_at = now(), last_error = NULL
             FROM acks WHERE o.id = acks.outbox_id
           RETURNING o.id, o.order_id, o.version, acks.erp_order_id, acks.accepted_at
         ), latest AS (
           SELECT DISTINCT ON (d.order_id) d.order_id, d.erp_order_id, d.accepted_at, before.last_error
             FROM d JOIN before ON before.id = d.id ORDER BY d.order_id, d.version DESC
         ), prev AS (
           -- row locks in the ingest's order (OrderUpsertRepository): two writers never wait on each other in a cycle
           SELECT p.id, p.erp_acked_at FROM order_sync.orders p JOIN latest ON p.id = latest.order_id
            ORDER BY p.shop_id, p.platform_order_id
            FOR UPDATE OF p
         )
         UPDATE order_sync.orders o
            SET erp_order_id = latest.erp_order_id,
                erp_acked_at = COALESCE(prev.erp_acked_at,
                  CASE WHEN latest.accepted_at IS NULL THEN now() ELSE LEAST(now(), GREATEST(o.first_seen_at, latest.accepted_at)) END)
           FROM latest, prev
          WHERE o.id = latest.order_id AND prev.id = o.id
         RETURNING ${ACK_RETURNING}, prev.erp_acked_at IS NULL AS first_ack, latest.last_error AS erp_error,
                   EXTRACT(EPOCH FROM o.erp_acked_at - o.sla_started_at)::float8 AS latency_s`,
      [rows.map((r) => r.id), rows.map((r) => r.erpOrderId), rows.map((r) => r.acceptedAt ?? null)],
    );
  }

  /** the rows due again after their delay, with the error; unfinished rows only */
  async markRetry(rows: OutboxRetry[]): Promise<void> {
    // the attempt goes into the order trace's history (erp_attempts) in the same statement
    await this.ds.query(
      `WITH u AS (
         UPDATE order_sync.outbox o SET next_attempt_at = now() + make_interval(secs => r.delay_ms / 1000.0), last_error = r.error
           FROM unnest($1::bigint[], $2::text[], $3::int[]) AS r(id, error, delay_ms)
          WHERE o.id = r.id AND o.status NOT IN ('delivered', 'failed') -- = pending, without letting the planner scan the partial index (see CLAIM_SQL)
         RETURNING o.id, r.error
       )
       INSERT INTO order_sync.erp_attempts (outbox_id, outcome, error) SELECT id, 'retry', error FROM u`,
      [rows.map((r) => r.id), rows.map((r) => r.error), rows.map((r) => r.delayMs)],
    );
  }

  /** the rows failed for good, with the error (and an erp_attempts entry each); returns each failed row's merchant */
  async markFailed(rows: OutboxFailure[]): Promise<{ merchant_id: string | null }[]> {
    return this.ds.query(
      `WITH u AS (
         UPDATE order_sync.outbox o SET status = 'failed', last_error = r.error
           FROM unnest($1::bigint[], $2::text[]) AS r(id, error) WHERE o.id = r.id
         RETURNING o.id, o.merchant_id, r.error
       ), h AS (
         INSERT INTO order_sync.erp_attempts (outbox_id, outcome, error) SELECT id, 'failed', error FROM u
       )
       SELECT merchant_id::text AS merchant_id FROM u`,
      [rows.map((r) => r.id), rows.map((r) => r.error)],
    );
  }

  /** the sweeper's read: pending rows created and due more than `staleSec` ago, oldest id first, at most `limit` */
  async stalePending(staleSec: number, limit: number): Promise<StaleOutboxRow[]> {
    return this.ds.query(
      `SELECT id::text AS id, kind, merchant_id FROM order_sync.outbox
        WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
          AND next_attempt_at < now() - make_interval(secs => $1)
        ORDER BY id LIMIT $2`,
      [staleSec, limit],
    );
  }
}

/** a pending outbox row the sweeper found stale */
export interface StaleOutboxRow {
  id: string;
  kind: DeliveryKind;
  merchant_id: string | null;
}
