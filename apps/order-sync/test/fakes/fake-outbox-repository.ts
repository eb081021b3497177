import type { DataSource, EntityManager } from 'typeorm';
import { OutboxRepository, type ClaimedOutboxRow, type OutboxAck, type OutboxAckRow, type OutboxFailure, type OutboxKind, type OutboxRetry, type OutboxRowState } from '../../src/delivery/outbox.repository';
import type { OutboxPayload } from '../../src/orders/buyer-vault';

/** a stand-in for the database that fails loudly if a fake ever reaches it (every method is overridden) */
export function unreachableDb<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => {
      // awaiting, matchers and inspection probe these; they are no database use
      if (typeof prop === 'symbol' || prop === 'then' || prop === 'asymmetricMatch' || prop === '$$typeof') return undefined;
      throw new Error(`${what}: ${String(prop)} reached the database; a fake must answer everything itself`);
    },
  });
}

/** one order_sync.outbox row as the fake keeps it (times in ms on the fake's clock) */
export interface FakeOutboxRow {
  id: string;
  orderId: string;
  version: number;
  kind: OutboxKind;
  idempotencyKey: string;
  payload: OutboxPayload;
  merchantId: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

/** an order's ack as the fake keeps it (order_sync.orders.erp_order_id / erp_acked_at) */
export interface FakeOrderAck {
  erpOrderId: string;
  ackedAt: number;
}

/**
 * In-memory OutboxRepository: the rows, the erp_attempts history and the orders' acks, on a hand-driven clock
 * (`clock.t`, ms). It keeps the SQL's rules that the delivery's decisions rely on: a claim takes only rows of its
 * kind and merchant that are pending and due (and not `locked` by another worker), leases them and counts the
 * attempt; retries touch unfinished rows only; the first ack time of an order is kept. Statements are logged in
 * `calls` (method names), transactions counted in `transactions`.
 */
export class FakeOutboxRepository extends OutboxRepository {
  readonly rows = new Map<string, FakeOutboxRow>();
  readonly attemptsLog: { outboxId: string; outcome: 'retry' | 'failed'; error: string }[] = [];
  readonly orderAcks = new Map<string, FakeOrderAck>();
  /** ids another worker holds FOR UPDATE: claims skip them */
  readonly locked = new Set<string>();
  readonly calls: string[] = [];
  transactions = 0;
  readonly clock = { t: 1_800_000_000_000 };
  private nextId = 1;

  constructor() {
    super(unreachableDb<DataSource>('FakeOutboxRepository'));
  }

  /** a new pending row, due now (overrides as given); returns it */
  add(p: Partial<FakeOutboxRow> & { payload: OutboxPayload }): FakeOutboxRow {
    const id = p.id ?? String(this.nextId++);
    const row: FakeOutboxRow = {
      id,
      orderId: `order-${id}`,
      version: 1,
      kind: 'push',
      idempotencyKey: `key-${id}`,
      merchantId: null,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: this.clock.t,
      lastError: null,
      deliveredAt: null,
      ...p,
    };
    this.rows.set(id, row);
    return row;
  }

  row(id: string): FakeOutboxRow {
    const r = this.rows.get(id);
    if (!r) throw new Error(`no outbox row ${id}`);
    return r;
  }

  override async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    this.transactions += 1;
    return work(unreachableDb<EntityManager>('FakeOutboxRepository.transaction'));
  }

  override async merchantsOf(ids: string[]): Promise<{ id: string; merchant_id: string | null }[]> {
    this.calls.push('merchantsOf');
    return this.existing(ids).map((r) => ({ id: r.id, merchant_id: r.merchantId }));
  }

  override async merchantOf(id: string): Promise<string | null> {
    this.calls.push('merchantOf');
    return this.rows.get(id)?.merchantId ?? null;
  }

  override async claim(ids: string[], kind: OutboxKind, leaseSec: number, merchantId: string | null): Promise<ClaimedOutboxRow[]> {
    this.calls.push('claim');
    const due = this.existing(ids).filter((r) => r.kind === kind && r.merchantId === merchantId && this.claimable(r));
    return this.lease(due, leaseSec);
  }

  override async claimBacklog(merchantId: string | null, room: number, inHand: string[], leaseSec: number): Promise<ClaimedOutboxRow[]> {
    this.calls.push('claimBacklog');
    const skip = new Set(inHand);
    const due = this.sorted([...this.rows.values()])
      .filter((r) => r.merchantId === merchantId && r.kind === 'push' && !skip.has(r.id) && this.claimable(r))
      .slice(0, room);
    return this.lease(due, leaseSec);
  }

  override async markHandedOver(ids: string[], merchantId: string | null): Promise<void> {
    this.calls.push('markHandedOver');
    for (const r of this.existing(ids)) if (r.status === 'pending' && r.merchantId === merchantId) this.deliver(r);
  }

  override async markInterceptDelivered(id: string): Promise<void> {
    this.calls.push('markInterceptDelivered');
    const r = this.rows.get(id);
    if (r) this.deliver(r);
  }

  override async resetFailed(merchantId: string, ids: string[] | null): Promise<{ id: string; kind: OutboxKind; merchant_id: string | null }[]> {
    this.calls.push('resetFailed');
    const named = ids === null ? null : new Set(ids);
    const reset = this.sorted([...this.rows.values()]).filter((r) => r.status === 'failed' && r.merchantId === merchantId && (named === null || named.has(r.id)));
    for (const r of reset) Object.assign(r, { status: 'pending', nextAttemptAt: this.clock.t, attempts: 0 });
    return reset.map((r) => ({ id: r.id, kind: r.kind, merchant_id: r.merchantId }));
  }

  override async states(ids: string[]): Promise<OutboxRowState[]> {
    this.calls.push('states');
    return this.existing(ids).map((r) => ({ id: r.id, status: r.status, last_error: r.lastError, wait_ms: Math.max(0, r.nextAttemptAt - this.clock.t) }));
  }

  /** delivered; one ack row per order (its newest version's), the order's first ack time kept */
  override async ack(_em: EntityManager, acks: OutboxAck[]): Promise<OutboxAckRow[]> {
    this.calls.push('ack');
    const latest = new Map<string, { row: FakeOutboxRow; ack: OutboxAck; lastError: string | null }>();
    for (const a of acks) {
      const row = this.rows.get(a.id);
      if (!row) continue;
      const lastError = row.lastError;
      this.deliver(row);
      const seen = latest.get(row.orderId);
      if (!seen || seen.row.version < row.version) latest.set(row.orderId, { row, ack: a, lastError });
    }
    return [...latest.values()].map(({ row, ack, lastError }) => {
      const prev = this.orderAcks.get(row.orderId);
      const ackedAt = prev?.ackedAt ?? (ack.acceptedAt ? Math.min(this.clock.t, Date.parse(ack.acceptedAt)) : this.clock.t);
      this.orderAcks.set(row.orderId, { erpOrderId: ack.erpOrderId, ackedAt });
      return {
        order_id: row.orderId,
        platform: row.payload.platform,
        shop_id: row.payload.shopId,
        platform_order_id: row.payload.platformOrderId,
        sla_started_at: null,
        erp_acked_at: new Date(ackedAt),
        merchant_id: row.merchantId,
        first_ack: prev === undefined,
        erp_error: lastError,
        latency_s: null,
      };
    });
  }

  override async markRetry(retries: OutboxRetry[]): Promise<void> {
    this.calls.push('markRetry');
    for (const x of retries) {
      const r = this.rows.get(x.id);
      if (!r || r.status !== 'pending') continue;
      r.nextAttemptAt = this.clock.t + x.delayMs;
      r.lastError = x.error;
      this.attemptsLog.push({ outboxId: r.id, outcome: 'retry', error: x.error });
    }
  }

  override async markFailed(failures: OutboxFailure[]): Promise<{ merchant_id: string | null }[]> {
    this.calls.push('markFailed');
    const out: { merchant_id: string | null }[] = [];
    for (const x of failures) {
      const r = this.rows.get(x.id);
      if (!r) continue;
      r.status = 'failed';
      r.lastError = x.error;
      this.attemptsLog.push({ outboxId: r.id, outcome: 'failed', error: x.error });
      out.push({ merchant_id: r.merchantId });
    }
    return out;
  }

  private claimable(r: FakeOutboxRow): boolean {
    return r.status === 'pending' && r.nextAttemptAt <= this.clock.t && !this.locked.has(r.id);
  }

  private lease(rows: FakeOutboxRow[], leaseSec: number): ClaimedOutboxRow[] {
    return rows.map((r) => {
      r.nextAttemptAt = this.clock.t + leaseSec * 1000;
      r.attempts += 1;
      return { id: r.id, order_id: r.orderId, version: r.version, idempotency_key: r.idempotencyKey, attempts: r.attempts, payload: r.payload };
    });
  }

  private deliver(r: FakeOutboxRow): void {
    r.status = 'delivered';
    r.deliveredAt = this.clock.t;
    r.lastError = null;
  }

  private existing(ids: string[]): FakeOutboxRow[] {
    return this.sorted(ids.flatMap((id) => this.rows.get(id) ?? []));
  }

  private sorted(rows: FakeOutboxRow[]): FakeOutboxRow[] {
    return [...new Set(rows)].sort((a, b) => Number(a.id) - Number(b.id));
  }
}
