import type { DataSource, EntityManager } from 'typeorm';
import type { Outage } from '../../src/sla/sla-causes';
import {
  SlaLedgerRepository,
  type AckEvidence,
  type AckVerdict,
  type EventCountRow,
  type InboxWaitingRow,
  type InsertedEvent,
  type LatencyRow,
  type LateOrderRow,
  type LedgerEvent,
  type NewEvent,
  type OpenEvent,
  type StoredWaitingRow,
} from '../../src/sla/sla-ledger.repository';

/** one row of the fake order_sync.sla_events */
export interface FakeSlaEvent extends NewEvent {
  id: string;
  at: Date;
  source: 'waiting' | 'ack';
  alertedAt: Date | null;
  disprovedAt: Date | null;
}

/** a stored paid order waiting for its ack, as a test sets it up (age, levels and warning cause are the fake's) */
export type FakeWaitingOrder = Omit<StoredWaitingRow, 'ageMs' | 'levels' | 'earlier'>;

/** a pending inbox message announcing a payment, with no orders row yet (age is the fake's) */
export type FakeInboxPayment = Omit<InboxWaitingRow, 'ageMs'>;

const MAX_AGE_MS = 2_147_483_647;

/**
 * In-memory SlaLedgerRepository: the ledger as the table keeps it (one row per order and level, a disproved row
 * included; a waiting insert skips orders acked meanwhile), the waiting orders and inbox payments a test sets
 * up (filtered and aged like the watcher's reads), the evidence of acked orders, and the outages table.
 */
export class FakeSlaLedgerRepository extends SlaLedgerRepository {
  readonly events: FakeSlaEvent[] = [];
  /** order ids whose erp_acked_at is set */
  readonly acked = new Set<string>();
  /** per order id: what the orders and inbox rows show for its cause */
  readonly evidence = new Map<string, Omit<AckEvidence, 'orderId'>>();
  readonly waiting: FakeWaitingOrder[] = [];
  readonly inbox: FakeInboxPayment[] = [];
  readonly outages: (Outage & { instance: string })[] = [];
  readonly latencyRows: LatencyRow[] = [];
  /** ids marked alerted, per call */
  readonly alertedCalls: string[][] = [];
  /** how many calls each method got */
  readonly calls = new Map<string, number>();
  /** the database clock (now()) */
  clock: () => number = () => Date.now();
  private nextId = 1;

  constructor() {
    super(undefined as unknown as DataSource);
  }

  private count(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  open(orderId: string): FakeSlaEvent[] {
    return this.events.filter((e) => e.orderId === orderId && e.disprovedAt === null);
  }

  override async insertEvents(events: NewEvent[], at: Date, waiting: boolean, _em?: EntityManager): Promise<InsertedEvent[]> {
    this.count('insertEvents');
    const out: InsertedEvent[] = [];
    for (const e of events) {
      if (waiting && this.acked.has(e.orderId)) continue;
      if (this.events.some((x) => x.orderId === e.orderId && x.level === e.level)) continue; // ON CONFLICT DO NOTHING
      const row: FakeSlaEvent = {
        id: String(this.nextId++),
        orderId: e.orderId,
        platform: e.platform,
        platformOrderId: e.platformOrderId,
        shopId: e.shopId,
        merchantId: e.merchantId,
        slaStartedAt: e.slaStartedAt,
        level: e.level,
        cause: e.cause,
        ageMs: Math.min(Math.max(Math.round(e.ageMs), 0), MAX_AGE_MS),
        at,
        source: waiting ? 'waiting' : 'ack',
        alertedAt: null,
        disprovedAt: null,
      };
      this.events.push(row);
      out.push({ eventId: row.id, orderId: row.orderId, level: row.level, at: row.at });
    }
    return out;
  }

  override async openEvents(orderIds: string[], _em?: EntityManager): Promise<OpenEvent[]> {
    this.count('openEvents');
    return this.events.filter((e) => orderIds.includes(e.orderId) && e.disprovedAt === null).map((e) => ({ orderId: e.orderId, level: e.level, cause: e.cause }));
  }

  override async judge(_em: EntityManager, verdicts: AckVerdict[]): Promise<void> {
    this.count('judge');
    for (const v of verdicts) {
      for (const e of this.events) {
        if (e.orderId !== v.orderId || e.level !== v.level || e.disprovedAt !== null) continue;
        e.slaStartedAt = v.slaStartedAt;
        e.disprovedAt = v.disproved ? new Date(this.clock()) : null;
      }
    }
  }

  override async ackEvidence(_em: EntityManager, orderIds: string[]): Promise<AckEvidence[]> {
    this.count('ackEvidence');
    return orderIds.flatMap((id) => {
      const ev = this.evidence.get(id);
      return ev ? [{ orderId: id, ...ev }] : [];
    });
  }

  override async unalerted(resendAfterMs: number): Promise<LedgerEvent[]> {
    this.count('unalerted');
    const now = this.clock();
    return this.events
      .filter((e) => e.alertedAt === null && e.disprovedAt === null && e.at.getTime() < now - resendAfterMs && e.at.getTime() > now - 3600_000)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .slice(0, 200)
      .map((e) => ({
        eventId: e.id,
        orderId: e.orderId,
        platform: e.platform,
        platformOrderId: e.platformOrderId,
        merchantId: e.merchantId,
        shopId: e.shopId,
        level: e.level,
        cause: e.cause,
        ageMs: e.ageMs,
        at: e.at.toISOString(),
        source: e.source,
      }));
  }

  override async markAlerted(eventIds: string[]): Promise<void> {
    this.count('markAlerted');
    this.alertedCalls.push([...eventIds]);
    for (const e of this.events) if (eventIds.includes(e.id)) e.alertedAt = new Date(this.clock());
  }

  override async storedWaiting(now: Date, warningMs: number): Promise<StoredWaitingRow[]> {
    this.count('storedWaiting');
    return this.waiting
      .filter((w) => !this.acked.has(w.orderId))
      .filter((w) => w.slaStartedAt.getTime() <= now.getTime() - warningMs && w.slaStartedAt.getTime() > now.getTime() - 86_400_000)
      .filter((w) => !this.open(w.orderId).some((e) => e.level === 'breach'))
      .sort((a, b) => a.slaStartedAt.getTime() - b.slaStartedAt.getTime())
      .map((w) => ({
        ...w,
        ageMs: now.getTime() - w.slaStartedAt.getTime(),
        levels: this.open(w.orderId).map((e) => e.level),
        earlier: this.open(w.orderId).find((e) => e.level === 'warning')?.cause ?? null,
      }));
  }

  override async inboxWaiting(now: Date, warningMs: number): Promise<InboxWaitingRow[]> {
    this.count('inboxWaiting');
    return this.inbox
      .filter((m) => m.paidAt.getTime() <= now.getTime() - warningMs && m.paidAt.getTime() > now.getTime() - 86_400_000)
      .map((m) => ({ ...m, ageMs: now.getTime() - m.paidAt.getTime() }));
  }

  override async saveOutages(outages: Outage[], instance: string): Promise<void> {
    this.count('saveOutages');
    for (const o of outages) {
      if (!this.outages.some((x) => x.instance === instance && x.dependency === o.dependency && x.startedAt === o.startedAt)) this.outages.push({ ...o, instance });
    }
  }

  override async otherOutages(keepMs: number, instance: string): Promise<Outage[]> {
    this.count('otherOutages');
    const from = this.clock() - keepMs;
    return this.outages
      .filter((o) => o.instance !== instance && o.endedAt !== null && o.endedAt > from)
      .map((o) => ({ dependency: o.dependency, startedAt: o.startedAt, endedAt: o.endedAt }));
  }

  override async latencies(_from: Date, _to: Date, _merchantId: string | null): Promise<LatencyRow[]> {
    this.count('latencies');
    return this.latencyRows.map((r) => ({ ...r }));
  }

  private reported(from: Date, to: Date, merchantId: string | null): FakeSlaEvent[] {
    return this.events.filter(
      (e) => e.slaStartedAt >= from && e.slaStartedAt < to && e.disprovedAt === null && (merchantId === null || e.merchantId === merchantId),
    );
  }

  override async eventCounts(from: Date, to: Date, merchantId: string | null): Promise<EventCountRow[]> {
    this.count('eventCounts');
    const n = new Map<string, EventCountRow>();
    for (const e of this.reported(from, to, merchantId)) {
      const k = `${e.platform}/${e.level}/${e.cause}`;
      const r = n.get(k) ?? { platform: e.platform, level: e.level, cause: e.cause, n: 0 };
      r.n += 1;
      n.set(k, r);
    }
    return [...n.values()];
  }

  override async lateOrders(from: Date, to: Date, merchantId: string | null, limit: number): Promise<LateOrderRow[]> {
    this.count('lateOrders');
    const byOrder = new Map<string, FakeSlaEvent>();
    for (const e of this.reported(from, to, merchantId)) {
      const cur = byOrder.get(e.orderId);
      if (!cur || (e.level === 'breach' && cur.level !== 'breach')) byOrder.set(e.orderId, e);
    }
    return [...byOrder.values()]
      .sort((a, b) => (a.orderId < b.orderId ? -1 : 1))
      .slice(0, limit)
      .map((e) => ({
        order_id: e.orderId,
        platform: e.platform,
        platform_order_id: e.platformOrderId,
        level: e.level,
        cause: e.cause,
        age_ms: e.ageMs,
        at: e.at,
        source: e.source,
        erp_acked_at: null,
      }));
  }
}
