import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { orderRowId } from '../orders/buyer-vault';
import { LeaderLoop } from '../shared/leader-lock';
import { queryRows } from '../shared/sql';
import { DependencyOutages } from './dependency-outages';
import type { SlaAlert } from './sla-alert.notifier';
import { slaCause, type SlaCause } from './sla-causes';
import { FOUND_BY_POLL_SQL, PLATFORM_ERROR_SQL, SlaLedger, type NewEvent, type SlaLevel } from './sla-ledger.service';

/** a paid order not acknowledged by the ERP yet, as one pass sees it */
interface Waiting extends Omit<NewEvent, 'level' | 'cause'> {
  erpError: string | null;
  platformError: string | null;
  foundByPoll: boolean;
  levels: SlaLevel[];
  earlier: SlaCause | null;
}

/** how often (at most) alerts the webhook did not take are sent again */
const RESEND_EVERY_MS = 15_000;

/**
 * The 30-second promise while orders wait: every `slaCheckIntervalMs` (one active instance, via a Postgres
 * lease) finds paid orders the ERP has not acknowledged `slaWarningMs` / `slaBreachMs` after payment and
 * records each level once per order in the SLA ledger (SlaLedger), with its cause, and alerts. Two kinds:
 * orders stored and unacknowledged, and orders still only in the inbox — a pending message announcing the
 * payment (inbox.paid_at) of an order with no orders row yet (Redis frozen, the fetch throttled). What an ack
 * shows later is judged at the ack (SlaLedger.recordAcks), so nothing depends on a pass seeing an order.
 */
@Injectable()
export class SlaWatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SlaWatcherService.name);
  private readonly loop: LeaderLoop;
  private lastResend = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: SlaLedger,
    private readonly outages: DependencyOutages,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    this.loop = new LeaderLoop(dataSource, 'sla-watcher', opts.slaCheckIntervalMs, () => this.tick(), this.logger, opts.leaderLeaseTtlMs);
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async tickIfLeader(): Promise<SlaAlert[]> {
    if (!(await this.loop.lock.isLeading())) return [];
    return this.tick();
  }

  /** the leader's pass: the check, and (at most every RESEND_EVERY_MS) the alerts the webhook did not take */
  private async tick(): Promise<SlaAlert[]> {
    const alerts = await this.check();
    if (Date.now() - this.lastResend >= RESEND_EVERY_MS) {
      this.lastResend = Date.now();
      await this.ledger.resendUnalerted();
    }
    return alerts;
  }

  /** one pass; returns the events recorded by it */
  async check(now: Date = new Date()): Promise<SlaAlert[]> {
    const [stored, inboxOnly] = await Promise.all([this.storedOrders(now), this.inboxOrders(now)]);
    const outages = this.outages.list();
    const events: NewEvent[] = [];
    for (const w of [...stored, ...inboxOnly]) {
      const due = this.ledger.levelsAt(w.ageMs).filter((l) => !w.levels.includes(l));
      if (due.length === 0) continue;
      const cause = slaCause(
        { erpError: w.erpError, platformError: w.platformError, foundByPoll: w.foundByPoll, earlier: w.earlier, waitFrom: w.slaStartedAt.getTime(), waitTo: now.getTime() },
        outages,
        now.getTime(),
      );
      for (const level of due) events.push({ ...w, level, cause });
    }
    const recorded = await this.ledger.insert(this.dataSource, events, now, true);
    this.ledger.publish(recorded);
    return recorded.map(({ eventId: _id, ...alert }) => alert);
  }

  /** stored paid orders past the warning mark, with a push delivery, not acknowledged, not breached yet */
  private async storedOrders(now: Date): Promise<Waiting[]> {
    const rows = await queryRows<{
      id: string; platform: string; platform_order_id: string; shop_id: string; merchant_id: string | null; sla_started_at: Date;
      age_ms: string; erp_error: string | null; platform_error: string | null; found_by_poll: boolean; levels: SlaLevel[]; earlier: SlaCause | null;
    }>(
      this.dataSource,
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
      [now.toISOString(), this.opts.slaWarningMs],
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
   * past the warning mark by the message's pay time. Their ledger rows use the id the orders row will get
   * (orderRowId), so the ack finds and judges them.
   */
  private async inboxOrders(now: Date): Promise<Waiting[]> {
    const rows = await queryRows<{
      platform: string; shop_id: string; merchant_id: string; platform_order_id: string; paid_at: Date; age_ms: string; last_error: string | null;
    }>(
      this.dataSource,
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
      [now.toISOString(), this.opts.slaWarningMs],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => orderRowId(r.shop_id, r.platform_order_id));
    const known = new Map<string, { level: SlaLevel; cause: SlaCause }[]>();
    for (const k of await queryRows<{ order_id: string; level: SlaLevel; cause: SlaCause }>(
      this.dataSource,
      `SELECT order_id, level, cause FROM order_sync.sla_events WHERE order_id = ANY($1::uuid[]) AND disproved_at IS NULL`,
      [ids],
    )) known.set(k.order_id, [...(known.get(k.order_id) ?? []), k]);
    return rows.map((r, i) => ({
      orderId: ids[i],
      platform: r.platform,
      platformOrderId: r.platform_order_id,
      shopId: r.shop_id,
      merchantId: r.merchant_id,
      slaStartedAt: r.paid_at,
      ageMs: Number(r.age_ms),
      erpError: null,
      platformError: r.last_error,
      foundByPoll: false,
      levels: (known.get(ids[i]) ?? []).map((k) => k.level),
      earlier: (known.get(ids[i]) ?? []).find((k) => k.level === 'warning')?.cause ?? null,
    }));
  }
}
