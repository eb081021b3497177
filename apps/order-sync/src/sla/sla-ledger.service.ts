import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { queryRows } from '../shared/sql';
import { DependencyOutages } from './dependency-outages';
import { OrderSyncMetrics } from './order-sync.metrics';
import { SlaAlertNotifier, type SlaAlert } from './sla-alert.notifier';
import { slaCause, type SlaCause } from './sla-causes';

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

/** clocks of this process and of the database (or another process) may differ by this much */
const CLOCK_SLACK_MS = 2000;
/** an alert not sent this long after its event is sent again (the webhook failed, or the process died) */
const RESEND_AFTER_MS = 10_000;
const MAX_AGE_MS = 2_147_483_647;

/**
 * The SLA ledger, `order_sync.sla_events`: one row per (order, level) — warning past slaWarningMs, breach past
 * slaBreachMs of pay -> ack — with its cause, its order's shop and merchant, and whether an alert went out.
 * Rows come from two places: the watcher, while an order waits (alerted at once), and every ack, in the
 * transaction that records it: an ack later than a mark records that level if no scan saw it, and an ack
 * showing the ERP had the order before a mark (an answer that came late: `acceptedAt`) disproves the
 * waiting event. So the breaches counted are exactly the orders acked (or still waiting) past the mark.
 * Alerts go out after the commit; one the webhook did not take is sent again (resendUnalerted).
 */
@Injectable()
export class SlaLedger implements OnModuleDestroy {
  private readonly logger = new Logger(SlaLedger.name);
  private readonly marking = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: OrderSyncMetrics,
    private readonly alerts: SlaAlertNotifier,
    private readonly outages: DependencyOutages,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {}

  async onModuleDestroy(): Promise<void> {
    while (this.marking.size > 0) await Promise.allSettled([...this.marking]);
  }

  thresholdMs(level: SlaLevel): number {
    return level === 'breach' ? this.opts.slaBreachMs : this.opts.slaWarningMs;
  }

  /** the levels an order `ageMs` past its clock start has reached */
  levelsAt(ageMs: number): SlaLevel[] {
    const levels: SlaLevel[] = [];
    if (ageMs > this.opts.slaWarningMs) levels.push('warning');
    if (ageMs > this.opts.slaBreachMs) levels.push('breach');
    return levels;
  }

  /** records events (`waiting`: by the watcher, see INSERT_EVENTS_SQL); returns those new to the ledger */
  async insert(db: DataSource | EntityManager, events: NewEvent[], at: Date, waiting: boolean): Promise<LedgerEvent[]> {
    if (events.length === 0) return [];
    const rows = await queryRows<{ id: string; order_id: string; level: SlaLevel; at: Date }>(db, INSERT_EVENTS_SQL, [
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
    const byKey = new Map(events.map((e) => [`${e.orderId}/${e.level}`, e]));
    return rows.map((r) => {
      const e = byKey.get(`${r.order_id}/${r.level}`)!;
      return {
        eventId: r.id,
        orderId: e.orderId,
        platform: e.platform,
        platformOrderId: e.platformOrderId,
        merchantId: e.merchantId,
        shopId: e.shopId,
        level: e.level,
        cause: e.cause,
        ageMs: Math.round(e.ageMs),
        at: r.at.toISOString(),
        source: waiting ? 'waiting' : 'ack',
      };
    });
  }

  /**
   * The verdict on acks, inside the transaction that records them (`em`; the orders rows are locked by it):
   * an order's first ack later than a mark records that level if it is not recorded yet, with its cause; an ack
   * at or before a mark disproves a waiting event of that level. Returns the new events: publish them after the
   * commit.
   */
  async recordAcks(em: EntityManager, acks: AckRow[]): Promise<LedgerEvent[]> {
    const now = Date.now();
    const judged = acks
      .filter((a) => a.first_ack && a.sla_started_at !== null)
      .map((a) => ({ a, started: a.sla_started_at!, latency: a.erp_acked_at.getTime() - a.sla_started_at!.getTime() }));
    // only an order late by its ack, or old enough for the watcher to have flagged it, can have anything to judge
    const relevant = judged.filter((j) => j.latency > this.opts.slaWarningMs || now - j.started.getTime() >= this.opts.slaWarningMs - CLOCK_SLACK_MS);
    if (relevant.length === 0) return [];
    const ids = relevant.map((j) => j.a.order_id);
    const existing = await queryRows<{ order_id: string; level: SlaLevel; cause: SlaCause }>(
      em,
      `SELECT order_id, level, cause FROM order_sync.sla_events WHERE order_id = ANY($1::uuid[]) AND disproved_at IS NULL`,
      [ids],
    );
    const latency = new Map(relevant.map((j) => [j.a.order_id, j]));
    if (existing.length > 0) {
      // the order's true clock start (an event recorded from its inbox message had the message's) and the verdict
      await em.query(
        `UPDATE order_sync.sla_events e
            SET sla_started_at = x.started, disproved_at = CASE WHEN x.disproved THEN now() ELSE NULL END
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::bool[]) AS x(order_id, level, started, disproved)
          WHERE e.order_id = x.order_id AND e.level = x.level AND e.disproved_at IS NULL`,
        [
          existing.map((e) => e.order_id),
          existing.map((e) => e.level),
          existing.map((e) => latency.get(e.order_id)!.started.toISOString()),
          existing.map((e) => latency.get(e.order_id)!.latency <= this.thresholdMs(e.level)),
        ],
      );
      const disproved = existing.filter((e) => latency.get(e.order_id)!.latency <= this.thresholdMs(e.level)).length;
      if (disproved > 0) this.logger.log(`SLA: ${disproved} events disproved by the ERP's ack time`);
    }
    const have = new Set(existing.map((e) => `${e.order_id}/${e.level}`));
    const earlier = new Map(existing.filter((e) => e.level === 'warning').map((e) => [e.order_id, e.cause]));
    const due = relevant.flatMap((j) => this.levelsAt(j.latency).filter((l) => !have.has(`${j.a.order_id}/${l}`)).map((level) => ({ j, level })));
    if (due.length === 0) return [];
    const late = [...new Set(due.map((d) => d.j.a.order_id))];
    const evidence = await queryRows<{ id: string; platform_error: string | null; found_by_poll: boolean }>(
      em,
      `SELECT o.id, ${PLATFORM_ERROR_SQL} AS platform_error, ${FOUND_BY_POLL_SQL} AS found_by_poll
         FROM order_sync.orders o WHERE o.id = ANY($1::uuid[])`,
      [late],
    );
    const seen = new Map(evidence.map((r) => [r.id, r]));
    const outages = this.outages.list();
    const causes = new Map(
      late.map((id) => {
        const { a, started } = latency.get(id)!;
        const ev = seen.get(id);
        const cause = slaCause(
          {
            erpError: a.erp_error,
            platformError: ev?.platform_error ?? null,
            foundByPoll: ev?.found_by_poll ?? false,
            earlier: earlier.get(id) ?? null,
            waitFrom: started.getTime(),
            waitTo: a.erp_acked_at.getTime(),
          },
          outages,
          now,
        );
        return [id, cause] as const;
      }),
    );
    return this.insert(
      em,
      due.map(({ j, level }) => ({
        orderId: j.a.order_id,
        platform: j.a.platform,
        platformOrderId: j.a.platform_order_id,
        shopId: j.a.shop_id,
        merchantId: j.a.merchant_id,
        slaStartedAt: j.started,
        level,
        cause: causes.get(j.a.order_id)!,
        ageMs: j.latency,
      })),
      new Date(now),
      false,
    );
  }

  /** after the commit: counts the new events, logs them and posts their alerts (marked sent once the webhook took them) */
  publish(events: LedgerEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.metrics.sla(e);
    const breaches = events.filter((e) => e.level === 'breach').length;
    this.logger.warn(`SLA: ${breaches} breaches, ${events.length - breaches} warnings (${events[0].source})`);
    this.send(events);
  }

  /** events whose alert did not go out (webhook failing, process gone) are sent again; returns how many */
  async resendUnalerted(): Promise<number> {
    if (!this.alerts.enabled) return 0;
    const rows = await queryRows<{
      id: string; order_id: string; platform: string; platform_order_id: string | null; merchant_id: string | null; shop_id: string | null;
      level: SlaLevel; cause: string; age_ms: number; at: Date; source: 'waiting' | 'ack';
    }>(
      this.dataSource,
      `SELECT id::text AS id, order_id, platform, platform_order_id, merchant_id, shop_id, level, cause, age_ms, at, source
         FROM order_sync.sla_events
        WHERE alerted_at IS NULL AND disproved_at IS NULL
          AND at < now() - make_interval(secs => $1 / 1000.0) AND at > now() - interval '1 hour'
        ORDER BY at LIMIT 200`,
      [RESEND_AFTER_MS],
    );
    this.send(
      rows.map((r) => ({
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
      })),
    );
    return rows.length;
  }

  /** waits for alerts being posted and marked (tests) */
  async flush(): Promise<void> {
    await this.alerts.flush();
    while (this.marking.size > 0) await Promise.allSettled([...this.marking]);
  }

  private send(events: LedgerEvent[]): void {
    if (events.length === 0 || !this.alerts.enabled) return;
    const alerts: SlaAlert[] = events.map(({ eventId: _id, ...alert }) => alert);
    const p: Promise<void> = this.alerts
      .send(alerts)
      .then(async (ok) => {
        if (!ok) return;
        await this.dataSource.query(`UPDATE order_sync.sla_events SET alerted_at = now() WHERE id = ANY($1::bigint[])`, [events.map((e) => e.eventId)]);
      })
      .catch((e: unknown) => this.logger.warn(`marking ${events.length} SLA alerts sent failed (they may be sent again): ${String(e)}`))
      .finally(() => this.marking.delete(p));
    this.marking.add(p);
  }
}
