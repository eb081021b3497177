import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUpstreamError, type CanonicalOrder, type Platform } from '@app/contracts';
import { ErpConnector, type ErpOrderEnvelope } from '@app/erp';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { interceptReason } from '../orders/order-transitions';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import { DONE, describeError, retryDelayMs, type JobOutcome } from '../shared/job-outcome';
import { queryRows } from '../shared/sql';

interface ClaimedRow {
  id: string;
  order_id: string;
  version: number;
  idempotency_key: string;
  attempts: number;
  payload: CanonicalOrder;
}

interface OwnRow {
  status: 'pending' | 'delivered' | 'failed';
  last_error: string | null;
  wait_ms: number;
}

export interface DeliveryStats {
  pushCalls: number;
  pushedRows: number;
  statements: number;
}

const CLAIM_SQL = `
  WITH own AS (
    SELECT id FROM order_sync.outbox
     WHERE id = $1 AND kind = $2 AND status = 'pending' AND next_attempt_at <= now()
     FOR UPDATE SKIP LOCKED
  ), more AS (
    SELECT id FROM order_sync.outbox
     WHERE kind = $2 AND status = 'pending' AND next_attempt_at <= now() AND id <> $1
     ORDER BY id
     LIMIT $3
     FOR UPDATE SKIP LOCKED
  )
  UPDATE order_sync.outbox o
     SET next_attempt_at = now() + make_interval(secs => $4), attempts = o.attempts + 1
   WHERE o.id IN (SELECT id FROM own UNION ALL SELECT id FROM more)
  RETURNING o.id::text AS id, o.order_id, o.version, o.idempotency_key, o.attempts, o.payload`;

/**
 * Delivers outbox rows to the ERP. A push job claims its own row plus other due rows, up to the
 * connector's maxBatch, with FOR UPDATE SKIP LOCKED and a lease (next_attempt_at moved forward), so no
 * transaction stays open during the HTTP call and concurrent workers never send the same row. Results are
 * written with one statement per outcome class. The job's own outcome decides how BullMQ settles it.
 */
@Injectable()
export class ErpDeliveryService {
  private readonly logger = new Logger(ErpDeliveryService.name);
  readonly stats: DeliveryStats = { pushCalls: 0, pushedRows: 0, statements: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly erp: ErpConnector,
    private readonly metrics: OrderSyncMetrics,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {}

  async deliverPush(outboxId: string): Promise<JobOutcome> {
    const claimed = await queryRows<ClaimedRow>(this.dataSource, CLAIM_SQL, [
      outboxId,
      'push',
      Math.max(this.erp.maxBatch - 1, 0),
      this.opts.erpLeaseSec,
    ]);
    this.stats.statements += 1;
    if (claimed.length > 0) {
      const envelopes: ErpOrderEnvelope[] = claimed.map((r) => ({
        orderId: r.order_id,
        version: r.version,
        idempotencyKey: r.idempotency_key,
        order: r.payload,
      }));
      this.stats.pushCalls += 1;
      this.stats.pushedRows += envelopes.length;
      let results;
      try {
        results = await this.erp.pushOrders(envelopes);
      } catch (e) {
        await this.settleAll(claimed, e);
        const own = claimed.find((r) => r.id === outboxId);
        if (!isUpstreamError(e)) throw e;
        if (own) return e.retryable ? { kind: 'delay', ms: retryDelayMs(e, own.attempts), reason: describeError(e) } : { kind: 'failed', reason: describeError(e) };
        return this.ownOutcome(outboxId);
      }
      const byKey = new Map(claimed.map((r) => [r.idempotency_key, r]));
      const delivered: { id: string; erpOrderId: string }[] = [];
      const retry: { id: string; error: string; delayMs: number }[] = [];
      const failed: { id: string; error: string }[] = [];
      const seen = new Set<string>();
      for (const res of results) {
        const row = byKey.get(res.idempotencyKey);
        if (!row) continue;
        seen.add(row.id);
        if (res.ok) delivered.push({ id: row.id, erpOrderId: res.erpOrderId });
        else if (res.error.retryable) retry.push({ id: row.id, error: describeError(res.error), delayMs: retryDelayMs(res.error, row.attempts) });
        else failed.push({ id: row.id, error: describeError(res.error) });
      }
      // a row the connector said nothing about is retried soon
      for (const r of claimed) if (!seen.has(r.id)) retry.push({ id: r.id, error: 'error: no result from connector', delayMs: retryDelayMs(null, r.attempts) });
      await this.markDelivered(delivered);
      await this.markRetry(retry);
      await this.markFailed(failed);
      const ownRetry = retry.find((r) => r.id === outboxId);
      if (ownRetry) return { kind: 'delay', ms: ownRetry.delayMs, reason: ownRetry.error };
      const ownFailed = failed.find((r) => r.id === outboxId);
      if (ownFailed) return { kind: 'failed', reason: ownFailed.error };
      if (delivered.some((d) => d.id === outboxId)) return DONE;
    }
    return this.ownOutcome(outboxId);
  }

  async deliverIntercept(outboxId: string): Promise<JobOutcome> {
    const claimed = await queryRows<ClaimedRow>(this.dataSource, CLAIM_SQL, [outboxId, 'intercept', 0, this.opts.erpLeaseSec]);
    const row = claimed[0];
    if (!row) return this.ownOutcome(outboxId);
    let res;
    try {
      res = await this.erp.intercept({
        orderId: row.order_id,
        idempotencyKey: row.idempotency_key,
        order: row.payload,
        reason: interceptReason(row.payload.status),
      });
    } catch (e) {
      await this.settleAll([row], e);
      if (!isUpstreamError(e)) throw e;
      return e.retryable ? { kind: 'delay', ms: retryDelayMs(e, row.attempts), reason: describeError(e) } : { kind: 'failed', reason: describeError(e) };
    }
    if (res.ok) {
      await this.dataSource.query(
        `UPDATE order_sync.outbox SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1`,
        [row.id],
      );
      return DONE;
    }
    if (res.error.retryable) {
      const ms = retryDelayMs(res.error, row.attempts);
      await this.markRetry([{ id: row.id, error: describeError(res.error), delayMs: ms }]);
      return { kind: 'delay', ms, reason: describeError(res.error) };
    }
    await this.markFailed([{ id: row.id, error: describeError(res.error) }]);
    return { kind: 'failed', reason: describeError(res.error) };
  }

  /** ops: failed rows back to pending; returns them so the caller can enqueue */
  async resetFailed(ids: string[] | null): Promise<{ outboxId: string; kind: 'push' | 'intercept' }[]> {
    const rows = await queryRows<{ id: string; kind: 'push' | 'intercept' }>(
      this.dataSource,
      `UPDATE order_sync.outbox SET status = 'pending', next_attempt_at = now(), attempts = 0
        WHERE status = 'failed' AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))
        RETURNING id::text AS id, kind`,
      [ids],
    );
    return rows.map((r) => ({ outboxId: r.id, kind: r.kind }));
  }

  /** the job's row was not (or no longer) ours to send: settle by its current state */
  private async ownOutcome(outboxId: string): Promise<JobOutcome> {
    const rows: OwnRow[] = await this.dataSource.query(
      `SELECT status, last_error, GREATEST(0, EXTRACT(EPOCH FROM next_attempt_at - now()) * 1000)::int AS wait_ms
         FROM order_sync.outbox WHERE id = $1`,
      [outboxId],
    );
    const own = rows[0];
    if (!own) return { kind: 'failed', reason: `outbox row ${outboxId} not found` };
    if (own.status === 'failed') return { kind: 'failed', reason: own.last_error ?? 'failed' };
    // pending: leased by another worker or backing off; come back when it is due (the other worker usually wins)
    if (own.status === 'pending') return { kind: 'delay', ms: own.wait_ms + 100, reason: 'row leased or backing off' };
    return DONE;
  }

  private async settleAll(rows: ClaimedRow[], e: unknown): Promise<void> {
    if (isUpstreamError(e) && !e.retryable) {
      await this.markFailed(rows.map((r) => ({ id: r.id, error: describeError(e) })));
      return;
    }
    const retryable = isUpstreamError(e);
    // unknown errors release the lease at once: BullMQ's own retry/backoff owns them
    await this.markRetry(rows.map((r) => ({ id: r.id, error: describeError(e), delayMs: retryable ? retryDelayMs(e, r.attempts) : 0 })));
  }

  private async markDelivered(rows: { id: string; erpOrderId: string }[]): Promise<void> {
    if (rows.length === 0) return;
    const acked = await queryRows<{ platform: Platform; first_ack: boolean; latency_s: number | null }>(
      this.dataSource,
      `WITH acks AS (
         SELECT * FROM unnest($1::bigint[], $2::text[]) AS a(outbox_id, erp_order_id)
       ), d AS (
         UPDATE order_sync.outbox o SET status = 'delivered', delivered_at = now(), last_error = NULL
           FROM acks WHERE o.id = acks.outbox_id
         RETURNING o.order_id, o.version, acks.erp_order_id
       ), latest AS (
         SELECT DISTINCT ON (order_id) order_id, erp_order_id FROM d ORDER BY order_id, version DESC
       )
       UPDATE order_sync.orders o
          SET erp_order_id = latest.erp_order_id, erp_acked_at = COALESCE(prev.erp_acked_at, now())
         FROM latest, order_sync.orders prev
        WHERE o.id = latest.order_id AND prev.id = o.id
       RETURNING o.platform, prev.erp_acked_at IS NULL AS first_ack,
                 EXTRACT(EPOCH FROM o.erp_acked_at - o.sla_started_at)::float8 AS latency_s`,
      [rows.map((r) => r.id), rows.map((r) => r.erpOrderId)],
    );
    this.stats.statements += 1;
    for (const a of acked) if (a.first_ack && a.latency_s !== null) this.metrics.observeAck(a.platform, a.latency_s);
  }

  private async markRetry(rows: { id: string; error: string; delayMs: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `UPDATE order_sync.outbox o SET next_attempt_at = now() + make_interval(secs => r.delay_ms / 1000.0), last_error = r.error
         FROM unnest($1::bigint[], $2::text[], $3::int[]) AS r(id, error, delay_ms)
        WHERE o.id = r.id AND o.status = 'pending'`,
      [rows.map((r) => r.id), rows.map((r) => r.error), rows.map((r) => r.delayMs)],
    );
    this.stats.statements += 1;
    this.logger.warn(`ERP delivery of ${rows.length} rows postponed: ${rows[0].error}`);
  }

  private async markFailed(rows: { id: string; error: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `UPDATE order_sync.outbox o SET status = 'failed', last_error = r.error
         FROM unnest($1::bigint[], $2::text[]) AS r(id, error) WHERE o.id = r.id`,
      [rows.map((r) => r.id), rows.map((r) => r.error)],
    );
    this.stats.statements += 1;
    this.logger.error(`ERP delivery of ${rows.length} rows failed permanently: ${rows[0].error}`);
  }
}
