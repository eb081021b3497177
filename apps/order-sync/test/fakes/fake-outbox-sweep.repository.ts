import { OutboxSweepRepository, type StaleOutboxRow } from '../../src/sweeper/outbox-sweep.repository';

/** a pending outbox row as the fake holds it */
export interface FakeOutboxRow extends StaleOutboxRow {
  status: 'pending' | 'delivered' | 'failed';
  created_at: Date;
  next_attempt_at: Date;
}

/** OutboxSweepRepository in memory: the stale read's filter (pending, created and due before the cut-off), id order, limit */
export class FakeOutboxSweepRepository extends OutboxSweepRepository {
  readonly rows: FakeOutboxRow[] = [];
  private nextId = 1;

  constructor() {
    super(null as never); // no DataSource: every method is overridden
  }

  add(input: Partial<FakeOutboxRow> = {}): FakeOutboxRow {
    const old = new Date(Date.now() - 3_600_000);
    const row: FakeOutboxRow = { id: String(this.nextId++), kind: 'push', merchant_id: null, status: 'pending', created_at: old, next_attempt_at: old, ...input };
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
