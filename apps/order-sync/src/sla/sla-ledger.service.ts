import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SLA_OPTIONS, type SlaOptions } from './sla.options';
import { DependencyOutages } from './dependency-outages';
import { OrderSyncMetrics } from './order-sync.metrics';
import { SlaAlertNotifier, type SlaAlert } from './sla-alert.notifier';
import { slaCause } from './sla-causes';
import { SlaLedgerRepository, type AckRow, type LedgerEvent, type NewEvent, type SlaLevel } from './sla-ledger.repository';

export {
  ACK_RETURNING,
  FOUND_BY_POLL_SQL,
  PLATFORM_ERROR_SQL,
  type AckRow,
  type LedgerEvent,
  type NewEvent,
  type SlaLevel,
} from './sla-ledger.repository';

/** clocks of this process and of the database (or another process) may differ by this much */
const CLOCK_SLACK_MS = 2000;
/** an alert not sent this long after its event is sent again (the webhook failed, or the process died) */
const RESEND_AFTER_MS = 10_000;

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
    private readonly repo: SlaLedgerRepository,
    private readonly metrics: OrderSyncMetrics,
    private readonly alerts: SlaAlertNotifier,
    private readonly outages: DependencyOutages,
    @Inject(SLA_OPTIONS) private readonly opts: SlaOptions,
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

  /**
   * records events (`waiting`: by the watcher, see SlaLedgerRepository.insertEvents; `em`: in the caller's
   * transaction); returns those new to the ledger
   */
  async insert(events: NewEvent[], at: Date, waiting: boolean, em?: EntityManager): Promise<LedgerEvent[]> {
    if (events.length === 0) return [];
    const rows = await this.repo.insertEvents(events, at, waiting, em);
    const byKey = new Map(events.map((e) => [`${e.orderId}/${e.level}`, e]));
    return rows.map((r) => {
      const e = byKey.get(`${r.orderId}/${r.level}`)!;
      return {
        eventId: r.eventId,
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
    const existing = await this.repo.openEvents(ids, em);
    const latency = new Map(relevant.map((j) => [j.a.order_id, j]));
    if (existing.length > 0) {
      // the order's true clock start (an event recorded from its inbox message had the message's) and the verdict
      await this.repo.judge(
        em,
        existing.map((e) => ({
          orderId: e.orderId,
          level: e.level,
          slaStartedAt: latency.get(e.orderId)!.started,
          disproved: latency.get(e.orderId)!.latency <= this.thresholdMs(e.level),
        })),
      );
      const disproved = existing.filter((e) => latency.get(e.orderId)!.latency <= this.thresholdMs(e.level)).length;
      if (disproved > 0) this.logger.log(`SLA: ${disproved} events disproved by the ERP's ack time`);
    }
    const have = new Set(existing.map((e) => `${e.orderId}/${e.level}`));
    const earlier = new Map(existing.filter((e) => e.level === 'warning').map((e) => [e.orderId, e.cause]));
    const due = relevant.flatMap((j) => this.levelsAt(j.latency).filter((l) => !have.has(`${j.a.order_id}/${l}`)).map((level) => ({ j, level })));
    if (due.length === 0) return [];
    const late = [...new Set(due.map((d) => d.j.a.order_id))];
    const evidence = await this.repo.ackEvidence(em, late);
    const seen = new Map(evidence.map((r) => [r.orderId, r]));
    const outages = this.outages.list();
    const causes = new Map(
      late.map((id) => {
        const { a, started } = latency.get(id)!;
        const ev = seen.get(id);
        const cause = slaCause(
          {
            erpError: a.erp_error,
            platformError: ev?.platformError ?? null,
            foundByPoll: ev?.foundByPoll ?? false,
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
      em,
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
    const events = await this.repo.unalerted(RESEND_AFTER_MS);
    this.send(events);
    return events.length;
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
        await this.repo.markAlerted(events.map((e) => e.eventId));
      })
      .catch((e: unknown) => this.logger.warn(`marking ${events.length} SLA alerts sent failed (they may be sent again): ${String(e)}`))
      .finally(() => this.marking.delete(p));
    this.marking.add(p);
  }
}
