import { OutboxRepository, type StaleOutboxRow } from '../../src/delivery/outbox.repository';

/** a pending outbox row as the fake holds it */
export interface FakeStaleOutboxRow extends StaleOutboxRow {
  status: 'pending' | 'delivered' | 'failed';
  created_at: Date;
  next_attempt_at: Date;
}

/** OutboxRepository's sweeper read (stalePending) in memory: the stale read's filter (pending, created and due before the cut-off), id order, limit */
export class FakeOutboxSweepRepository extends OutboxRepository {
  readonly rows: FakeStaleOutboxRow[] = [];
  private nextId = 1;

  constructor() {
    super(null as never); // no DataSource: every method is overridden
  }

  add(input: Partial<FakeStaleOutboxRow> = {}): FakeStaleOutboxRow {
    const old = new Date(Date.now() - 3_600_000);
    const row: FakeStaleOutboxRow = { id: String(this.nextId++), kind: 'push', merchant_id: null, status: 'pending', created_at: old, next_attempt_at: old, ...input };
    this.rows.push(row);
    return row;
  }

  override async stalePending(staleSec: number, limit: number): Promise<StaleOutboxRow[]> {
    const before = Date.now() - staleSec * 1000;
    return this.rows
      .filter((r) => r.status === 'pending' && r.created_at.getTime() < before && r.next_attempt_at.getTime() < before)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .slice(0, limit)
      .map((r) => ({ id: r.id, kind: r.kind, merchant_id: r.merchant_id }));
  }
}
