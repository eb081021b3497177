import type { EntityManager } from 'typeorm';
import type { Platform } from '@app/contracts';
import { InboxRepository, type InboxRow, type InboxSettlement, type StaleInboxRow } from '../../src/ingest/inbox.repository';
import { FakeEntityManager } from './fake-entity-manager';

/** an inbox row held by the fake: what InboxRow reads plus the columns the statements write */
export interface FakeInboxRow extends InboxRow {
  status: 'pending' | 'processed' | 'ignored' | 'failed';
  received_at: Date;
  processed_at: Date | null;
}

/** the columns of a new row a test gives (the rest defaults to a fresh pending douyin message) */
export type FakeInboxInput = Partial<FakeInboxRow> & { platform_order_id: string };

/**
 * InboxRepository in memory, with the statements' semantics (pending filter, attempts counted, the sweeper's
 * deferral pattern and give-up note). `transaction` runs `work` on a FakeEntityManager and undoes the inbox
 * changes when `work` throws; `conflicts` makes the next transactions fail as deadlock victims (40P01) before
 * their work runs.
 */
export class FakeInboxRepository extends InboxRepository {
  readonly rows = new Map<string, FakeInboxRow>();
  readonly em = new FakeEntityManager();
  transactions = 0;
  /** transactions still to be aborted as deadlock victims */
  conflicts = 0;
  private nextId = 1;

  constructor() {
    super(null as never); // no DataSource: every method is overridden
  }

  add(input: FakeInboxInput): FakeInboxRow {
    const row: FakeInboxRow = {
      id: String(this.nextId++),
      platform: 'douyin' as Platform,
      platform_shop_id: 'dy-shop-1',
      shop_id: null,
      occurred_at: null,
      attempts: 0,
      last_error: null,
      status: 'pending',
      received_at: new Date(),
      processed_at: null,
      ...input,
    };
    this.rows.set(row.id, row);
    return row;
  }

  get(id: string): FakeInboxRow {
    const r = this.rows.get(id);
    if (!r) throw new Error(`no inbox row ${id}`);
    return r;
  }

  override async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    this.transactions += 1;
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    }
    const before = new Map([...this.rows].map(([id, r]) => [id, { ...r }]));
    try {
      return await work(this.em.asManager());
    } catch (e) {
      this.rows.clear();
      for (const [id, r] of before) this.rows.set(id, r);
      throw e;
    }
  }

  override async pendingByIds(ids: string[]): Promise<InboxRow[]> {
    return ids.map((id) => this.rows.get(id)).filter((r): r is FakeInboxRow => r !== undefined && r.status === 'pending').map((r) => ({ ...r }));
  }

  override async markProcessed(_em: EntityManager, ids: string[]): Promise<void> {
    for (const id of ids) {
      const r = this.rows.get(id);
      if (!r) continue;
      Object.assign(r, { status: 'processed', processed_at: new Date(), attempts: r.attempts + 1, last_error: null });
    }
  }

  override async settle(_em: EntityManager, settled: InboxSettlement[]): Promise<void> {
    for (const s of settled) {
      const r = this.rows.get(s.id);
      if (!r) continue;
      Object.assign(r, { status: s.status, last_error: s.reason, attempts: r.attempts + s.counts, processed_at: s.status === 'pending' ? null : new Date() });
    }
  }

  override async stalePending(staleSec: number, limit: number): Promise<StaleInboxRow[]> {
    const before = Date.now() - staleSec * 1000;
    return [...this.rows.values()]
      .filter((r) => r.status === 'pending' && r.received_at.getTime() < before)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .slice(0, limit)
      .map((r) => ({ id: r.id, attempts: r.attempts, deferred: /^(circuit_open|rate_limited|platform_quota):/.test(r.last_error ?? '') }));
  }

  override async giveUp(ids: string[]): Promise<void> {
    for (const id of ids) {
      const r = this.rows.get(id);
      if (!r || r.status !== 'pending') continue;
      Object.assign(r, { status: 'failed', processed_at: new Date(), last_error: `${r.last_error ?? ''} (sweeper gave up)` });
    }
  }

  override async countReenqueue(ids: string[]): Promise<void> {
    for (const id of ids) {
      const r = this.rows.get(id);
      if (r) r.attempts += 1;
    }
  }
}
