import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../shared/sql';
import type { SlaAlert } from './sla-alert.notifier';
import type { Dependency, Outage, SlaCause } from './sla-causes';

export type SlaLevel = SlaAlert['level'];

/** an event recorded in the ledger: its alert, and the row id that marks it sent */
export interface LedgerEvent extends SlaAlert {
  eventId: string;
}

/** one event to record: the order (by its row id, which exists before the orders row does: orderRowId) and its level */
export interface NewEvent {
  orderId: string;
  platform: string;
  platformOrderId: string;
  shopId: string | null;
  merchantId: string | null;
  slaStartedAt: Date;
  level: SlaLevel;
  cause: SlaCause;
  ageMs: number;
}

/**
 * What an ack statement returns for the ledger (alias `o`: the orders row after the update), to be selected
 * beside the statement's own columns: see AckRow.
 */
export const ACK_RETURNING = `o.id AS order_id, o.platform, o.shop_id, o.platform_order_id, o.sla_started_at, o.erp_acked_at,
  (SELECT s.merchant_id FROM core.shops s WHERE s.id = o.shop_id) AS merchant_id`;

/** a row of an ack statement: ACK_RETURNING plus whether this ack is the order's first and the ERP's last failure on it */
export interface AckRow {
  order_id: string;
  platform: string;
  shop_id: string;
  platform_order_id: string;
  sla_started_at: Date | null;
  erp_acked_at: Date;
  merchant_id: string | null;
  first_ack: boolean;
  erp_error: string | null;
}

/** The last fetch failure of an inbox message of the order `o` (the platform's part in its wait). */
export const PLATFORM_ERROR_SQL = `(SELECT i.last_error FROM order_sync.inbox i
  WHERE i.platform = o.platform AND i.platform_order_id = o.platform_order_id AND i.last_error IS NOT NULL AND i.status <> 'ignored'
    AND (i.shop_id = o.shop_id
         OR (i.shop_id IS NULL AND i.platform_shop_id = (SELECT sh.platform_shop_id FROM core.shops sh WHERE sh.id = o.shop_id)))
  ORDER BY i.id DESC LIMIT 1)`;

/** The order `o` was stored before any push message for it arrived: the poller found it (its push was lost or late). */
export const FOUND_BY_POLL_SQL = `NOT EXISTS (SELECT 1 FROM order_sync.inbox i
  WHERE i.platform = o.platform AND i.platform_order_id = o.platform_order_id AND i.status <> 'ignored'
    AND (i.shop_id = o.shop_id OR i.shop_id IS NULL) AND i.received_at <= o.first_seen_at)`;

/**
 * Inserts events once per (order, level). While waiting (`$11`), never for an order acked meanwhile: its row is
 * locked (in the ingest's order, so no lock cycle) and read as it is now, so an ack in progress either commits
 * first (no event) or sees the event (and judges it: recordAcks).
 */
const INSERT_EVENTS_SQL = `
  WITH ev AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::uuid[], $7::uuid[], $8::text[], $9::timestamptz[])
      AS x(order_id, platform, level, cause, age_ms, shop_id, merchant_id, platform_order_id, sla_started_at)
  ), live AS (
    SELECT o.id, o.erp_acked_at FROM order_sync.orders o
     WHERE $11::boolean AND o.id IN (SELECT order_id FROM ev)
     ORDER BY o.shop_id, o.platform_order_id
     FOR UPDATE
  )
  INSERT INTO order_sync.sla_events (order_id, platform, level, cause, age_ms, shop_id, merchant_id, platform_order_id, sla_started_at, at, source)
  SELECT ev.*, $10::timestamptz, CASE WHEN $11::boolean THEN 'waiting' ELSE 'ack' END FROM ev
   WHERE NOT EXISTS (SELECT 1 FROM live WHERE live.id = ev.order_id AND live.erp_acked_at IS NOT NULL)
  ON CONFLICT (order_id, level) DO NOTHING
  RETURNING id::text AS id, order_id, level, at`;

const MAX_AGE_MS = 2_147_483_647;

/** the report's events: clock started in [$1, $2), not disproved, of merchant $3 (null: every merchant) */
const REPORT_LEDGER = `e.sla_started_at >= $1 AND e.sla_started_at < $2 AND e.disproved_at IS NULL AND ($3::uuid IS NULL OR e.merchant_id = $3::uuid)`;

/** an event row the insert created (those already in the ledger, or of an order acked meanwhile, are not) */
export interface InsertedEvent {
  eventId: string;
  orderId: string;
  level: SlaLevel;
  at: Date;
}

/** an event of the ledger not disproved */
export interface OpenEvent {
  orderId: string;
  level: SlaLevel;
  cause: SlaCause;
}

/** the verdict of an ack on an open event: the order's true clock start, and whether the ack disproves it */
export interface AckVerdict {
  orderId: string;
  level: SlaLevel;
  slaStartedAt: Date;
  disproved: boolean;
}

/** what the database shows of an order acked late: the platform's last fetch failure and whether the poller found it */
export interface AckEvidence {
  orderId: string;
  platformError: string | null;
  foundByPoll: boolean;
}

/** a stored paid order waiting for its ack, past the warning mark (SlaWatcherService) */
export interface StoredWaitingRow {
  orderId: string;
  platform: string;
  platformOrderId: string;
  shopId: string;
  merchantId: string | null;
  slaStartedAt: Date;
  ageMs: number;
  erpError: string | null;
  platformError: string | null;
  foundByPoll: boolean;
  /** its events' levels (not disproved) */
  levels: SlaLevel[];
  /** its warning's cause */
  earlier: SlaCause | null;
}

/** a pending inbox message announcing the payment of an order with no orders row yet, past the warning mark */
export interface InboxWaitingRow {
  platform: string;
  shopId: string;
  merchantId: string;
  platformOrderId: string;
  paidAt: Date;
  ageMs: number;
  lastError: string | null;
}

/** acked orders' pay -> ack latency per platform, in seconds */
export interface LatencyRow {
  platform: string;
  acked: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface EventCountRow {
  platform: string;
  level: SlaLevel;
  cause: string;
  n: number;
}

export interface LateOrderRow {
  order_id: string;
  platform: string;
  platform_order_id: string;
  level: SlaLevel;
  cause: string;
  age_ms: number;
  at: Date;
  source: 'waiting' | 'ack';
  erp_acked_at: Date | null;
}

/**
 * Every statement on the SLA ledger (`order_sync.sla_events`) and on `order_sync.dependency_outages`, and the
 * reads of orders and inbox rows the ledger's verdicts, the watcher's passes and the SLA report need. Methods
 * taking an EntityManager run in the caller's transaction (an ack's: ErpDeliveryService, ErpOrdersService).
 */
@Injectable()
export class SlaLedgerRepository {
  constructor(private readonly ds: DataSource) {}

  /** records events (`waiting`: by the watcher, see INSERT_EVENTS_SQL); returns those new to the ledger */
  async insertEvents(events: NewEvent[], at: Date, waiting: boolean, em?: EntityManager): Promise<InsertedEvent[]> {
    if (events.length === 0) return [];
    const rows = await queryRows<{ id: string; order_id: string; level: SlaLevel; at: Date }>(em ?? this.ds, INSERT_EVENTS_SQL, [
      events.map((e) => e.orderId),
      events.map((e) => e.platform),
      events.map((e) => e.level),
      events.map((e) => e.cause),
      events.map((e) => Math.min(Math.max(Math.round(e.ageMs), 0), MAX_AGE_MS)),
      events.map((e) => e.shopId),
      events.map((e) => e.merchantId),
      events.map((e) => e.platformOrderId),
      events.map((e) => e.slaStartedAt.toISOString()),
      at.toISOString(),
      waiting,
    ]);
    return rows.map((r) => ({ eventId: r.id, orderId: r.order_id, level: r.level, at: r.at }));
  }

  /** the events of `orderIds` not disproved */
  async openEvents(orderIds: string[], em?: EntityManager): Promise<OpenEvent[]> {
    const rows = await queryRows<{ order_id: string; level: SlaLevel; cause: SlaCause }>(
      em ?? this.ds,
      `SELECT order_id, level, cause FROM order_sync.sla_events WHERE order_id = ANY($1::uuid[]) AND disproved_at IS NULL`,
      [orderIds],
    );
    return rows.map((r) => ({ orderId: r.order_id, level: r.level, cause: r.cause }));
  }

  /** the order's true clock start (an event recorded from its inbox message had the message's) and the verdict */
  async judge(em: EntityManager, verdicts: AckVerdict[]): Promise<void> {
    if (verdicts.length === 0) return;
    await em.query(
      `UPDATE order_sync.sla_events e
            SET sla_started_at = x.started, disproved_at = CASE WHEN x.disproved THEN now() ELSE NULL END
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::bool[]) AS x(order_id, level, started, disproved)
          WHERE e.order_id = x.order_id AND e.level = x.level AND e.disproved_at IS NULL`,
      [
        verdicts.map((v) => v.orderId),
        verdicts.map((v) => v.level),
        verdicts.map((v) => v.slaStartedAt.toISOString()),
        verdicts.map((v) => v.disproved),
      ],
    );
  }

  /** the evidence for the causes of orders acked late */
  async ackEvidence(em: EntityManager, orderIds: string[]): Promise<AckEvidence[]> {
    const rows = await queryRows<{ id: string; platform_error: string | null; found_by_poll: boolean }>(
      em,
      `SELECT o.id, ${PLATFORM_ERROR_SQL} AS platform_error, ${FOUND_BY_POLL_SQL} AS found_by_poll
         FROM order_sync.orders o WHERE o.id = ANY($1::uuid[])`,
      [orderIds],
    );
    return rows.map((r) => ({ orderId: r.id, platformError: r.platform_error, foundByPoll: r.found_by_poll }));
  }

  /** events of the last hour, older than `resendAfterMs`, whose alert did not go out (at most 200, oldest first) */
  async unalerted(resendAfterMs: number): Promise<LedgerEvent[]> {
    const rows = await queryRows<{
      id: string; order_id: string; platform: string; platform_order_id: string | null; merchant_id: string | null; shop_id: string | null;
      level: SlaLevel; cause: string; age_ms: number; at: Date; source: 'waiting' | 'ack';
    }>(
      this.ds,
      `SELECT id::text AS id, order_id, platform, platform_order_id, merchant_id, shop_id, level, cause, age_ms, at, source
         FROM order_sync.sla_events
        WHERE alerted_at IS NULL AND disproved_at IS NULL
          AND at < now() - make_interval(secs => $1 / 1000.0) AND at > now() - interval '1 hour'
        ORDER BY at LIMIT 200`,
      [resendAfterMs],
    );
    return rows.map((r) => ({
      eventId: r.id,
      orderId: r.order_id,
      platform: r.platform,
      platformOrderId: r.platform_order_id ?? '',
      merchantId: r.merchant_id,
      shopId: r.shop_id,
      level: r.level,
      cause: r.cause,
      ageMs: r.age_ms,
      at: r.at.toISOString(),
      source: r.source,
    }));
  }

  /** the webhook took these events' alerts */
  async markAlerted(eventIds: string[]): Promise<void> {
    await this.ds.query(`UPDATE order_sync.sla_events SET alerted_at = now() WHERE id = ANY($1::bigint[])`, [eventIds]);
  }

  /** stored paid orders past the warning mark, with a push delivery, not acknowledged, not breached yet */
  async storedWaiting(now: Date, warningMs: number): Promise<StoredWaitingRow[]> {
    const rows = await queryRows<{
      id: string; platform: string; platform_order_id: string; shop_id: string; merchant_id: string | null; sla_started_at: Date;
      age_ms: string; erp_error: string | null; platform_error: string | null; found_by_poll: boolean; levels: SlaLevel[]; earlier: SlaCause | null;
    }>(
      this.ds,
      `SELECT o.id, o.platform, o.platform_order_id, o.shop_id, s.merchant_id, o.sla_started_at,
              (EXTRACT(EPOCH FROM $1::timestamptz - o.sla_started_at) * 1000)::bigint AS age_ms,
              ob.last_error AS erp_error, ${PLATFORM_ERROR_SQL} AS platform_error, ${FOUND_BY_POLL_SQL} AS found_by_poll,
              ARRAY(SELECT e.level FROM order_sync.sla_events e WHERE e.order_id = o.id AND e.disproved_at IS NULL) AS levels,
              (SELECT e.cause FROM order_sync.sla_events e WHERE e.order_id = o.id AND e.level = 'warning' AND e.disproved_at IS NULL) AS earlier
         FROM order_sync.orders o
         JOIN LATERAL (
           SELECT b.last_error FROM order_sync.outbox b
            WHERE b.order_id = o.id AND b.kind = 'push' ORDER BY b.id DESC LIMIT 1
         ) ob ON true
         LEFT JOIN core.shops s ON s.id = o.shop_id
        WHERE o.erp_acked_at IS NULL
          AND o.sla_started_at <= $1::timestamptz - make_interval(secs => $2 / 1000.0)
          AND o.sla_started_at > $1::timestamptz - interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM order_sync.sla_events e WHERE e.order_id = o.id AND e.level = 'breach' AND e.disproved_at IS NULL)
        ORDER BY o.sla_started_at
        LIMIT 1000`,
      [now.toISOString(), warningMs],
    );
    return rows.map((r) => ({
      orderId: r.id,
      platform: r.platform,
      platformOrderId: r.platform_order_id,
      shopId: r.shop_id,
      merchantId: r.merchant_id,
      slaStartedAt: r.sla_started_at,
      ageMs: Number(r.age_ms),
      erpError: r.erp_error,
      platformError: r.platform_error,
      foundByPoll: r.found_by_poll,
      levels: r.levels,
      earlier: r.earlier,
    }));
  }

  /**
   * Orders known only from a pending inbox message announcing their payment (no orders row of that shop yet),
   * past the warning mark by the message's pay time.
   */
  async inboxWaiting(now: Date, warningMs: number): Promise<InboxWaitingRow[]> {
    const rows = await queryRows<{
      platform: string; shop_id: string; merchant_id: string; platform_order_id: string; paid_at: Date; age_ms: string; last_error: string | null;
    }>(
      this.ds,
      `SELECT DISTINCT ON (x.shop_id, i.platform_order_id) i.platform, x.shop_id, s.merchant_id, i.platform_order_id, i.paid_at,
              (EXTRACT(EPOCH FROM $1::timestamptz - i.paid_at) * 1000)::bigint AS age_ms, i.last_error
         FROM order_sync.inbox i
         CROSS JOIN LATERAL (
           SELECT COALESCE(i.shop_id, (SELECT sh.id FROM core.shops sh WHERE sh.platform = i.platform AND sh.platform_shop_id = i.platform_shop_id)) AS shop_id
         ) x
         JOIN core.shops s ON s.id = x.shop_id
        WHERE i.status = 'pending' AND i.paid_at IS NOT NULL AND i.kind = 'order'
          AND i.paid_at <= $1::timestamptz - make_interval(secs => $2 / 1000.0)
          AND i.paid_at > $1::timestamptz - interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM order_sync.orders o WHERE o.shop_id = x.shop_id AND o.platform_order_id = i.platform_order_id)
        ORDER BY x.shop_id, i.platform_order_id, i.paid_at
        LIMIT 1000`,
      [now.toISOString(), warningMs],
    );
    return rows.map((r) => ({
      platform: r.platform,
      shopId: r.shop_id,
      merchantId: r.merchant_id,
      platformOrderId: r.platform_order_id,
      paidAt: r.paid_at,
      ageMs: Number(r.age_ms),
      lastError: r.last_error,
    }));
  }

  /** ended outages of this process (`instance`); one already recorded is left as it is */
  async saveOutages(outages: Outage[], instance: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO order_sync.dependency_outages (dependency, started_at, ended_at, instance)
         SELECT d, s, e, $4 FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS x(d, s, e)
         ON CONFLICT (instance, dependency, started_at) DO NOTHING`,
      [outages.map((o) => o.dependency), outages.map((o) => new Date(o.startedAt)), outages.map((o) => new Date(o.endedAt!)), instance],
    );
  }

  /** the outages other processes recorded that ended within `keepMs` */
  async otherOutages(keepMs: number, instance: string): Promise<Outage[]> {
    const rows: { dependency: Dependency; started_at: Date; ended_at: Date }[] = await this.ds.query(
      `SELECT dependency, started_at, ended_at FROM order_sync.dependency_outages
        WHERE ended_at > now() - make_interval(secs => $1 / 1000.0) AND instance <> $2`,
      [keepMs, instance],
    );
    return rows.map((r) => ({ dependency: r.dependency, startedAt: r.started_at.getTime(), endedAt: r.ended_at.getTime() }));
  }

  /** pay -> ack latency percentiles per platform of the orders acked whose clock started in [from, to) (`merchantId`: only its shops) */
  async latencies(from: Date, to: Date, merchantId: string | null): Promise<LatencyRow[]> {
    return (await this.ds.query(
      `SELECT platform, count(*)::int AS acked,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY s) AS p95,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY s) AS p99
           FROM (SELECT platform, EXTRACT(EPOCH FROM erp_acked_at - sla_started_at)::float8 AS s
                   FROM order_sync.orders
                  WHERE sla_started_at >= $1 AND sla_started_at < $2 AND erp_acked_at IS NOT NULL
                    AND ($3::uuid IS NULL OR shop_id IN (SELECT s.id FROM core.shops s WHERE s.merchant_id = $3::uuid))) t
          GROUP BY platform`,
      [from, to, merchantId],
    )) as LatencyRow[];
  }

  /** the ledger's events (not disproved) of orders whose clock started in [from, to), counted by platform, level and cause */
  async eventCounts(from: Date, to: Date, merchantId: string | null): Promise<EventCountRow[]> {
    return (await this.ds.query(
      `SELECT e.platform, e.level, e.cause, count(*)::int AS n FROM order_sync.sla_events e WHERE ${REPORT_LEDGER} GROUP BY e.platform, e.level, e.cause`,
      [from, to, merchantId],
    )) as EventCountRow[];
  }

  /** one event per late order (its breach if any) of orders whose clock started in [from, to), at most `limit` */
  async lateOrders(from: Date, to: Date, merchantId: string | null, limit: number): Promise<LateOrderRow[]> {
    return (await this.ds.query(
      `SELECT DISTINCT ON (e.order_id) e.order_id, e.platform, e.platform_order_id, e.level, e.cause, e.age_ms, e.at, e.source, o.erp_acked_at
           FROM order_sync.sla_events e LEFT JOIN order_sync.orders o ON o.id = e.order_id
          WHERE ${REPORT_LEDGER}
          ORDER BY e.order_id, (e.level = 'breach') DESC
          LIMIT $4`,
      [from, to, merchantId, limit],
    )) as LateOrderRow[];
  }
}
