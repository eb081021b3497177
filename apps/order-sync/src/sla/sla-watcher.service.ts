import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SLA_OPTIONS, type SlaOptions } from './sla.options';
import { orderRowId } from '../orders/buyer-vault';
import { LeaderLoop } from '../shared/leader-lock';
import { DependencyOutages } from './dependency-outages';
import type { SlaAlert } from './sla-alert.notifier';
import { slaCause, type SlaCause } from './sla-causes';
import { SlaLedger, type NewEvent, type SlaLevel } from './sla-ledger.service';
import { SlaLedgerRepository } from './sla-ledger.repository';

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
    private readonly repo: SlaLedgerRepository,
    dataSource: DataSource,
    private readonly ledger: SlaLedger,
    private readonly outages: DependencyOutages,
    @Inject(SLA_OPTIONS) private readonly opts: SlaOptions,
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
    const recorded = await this.ledger.insert(events, now, true);
    this.ledger.publish(recorded);
    return recorded.map(({ eventId: _id, ...alert }) => alert);
  }

  /** stored paid orders past the warning mark, with a push delivery, not acknowledged, not breached yet */
  private async storedOrders(now: Date): Promise<Waiting[]> {
    return this.repo.storedWaiting(now, this.opts.slaWarningMs);
  }

  /**
   * Orders known only from a pending inbox message announcing their payment (no orders row of that shop yet),
   * past the warning mark by the message's pay time. Their ledger rows use the id the orders row will get
   * (orderRowId), so the ack finds and judges them.
   */
  private async inboxOrders(now: Date): Promise<Waiting[]> {
    const rows = await this.repo.inboxWaiting(now, this.opts.slaWarningMs);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => orderRowId(r.shopId, r.platformOrderId));
    const known = new Map<string, { level: SlaLevel; cause: SlaCause }[]>();
    for (const k of await this.repo.openEvents(ids)) known.set(k.orderId, [...(known.get(k.orderId) ?? []), k]);
    return rows.map((r, i) => ({
      orderId: ids[i],
      platform: r.platform,
      platformOrderId: r.platformOrderId,
      shopId: r.shopId,
      merchantId: r.merchantId,
      slaStartedAt: r.paidAt,
      ageMs: r.ageMs,
      erpError: null,
      platformError: r.lastError,
      foundByPoll: false,
      levels: (known.get(ids[i]) ?? []).map((k) => k.level),
      earlier: (known.get(ids[i]) ?? []).find((k) => k.level === 'warning')?.cause ?? null,
    }));
  }
}
