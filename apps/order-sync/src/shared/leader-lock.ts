import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

/**
 * One active instance per named loop (SLA check, sweeper, poll scheduler) across all replicas: a lease row
 * in `order_sync.leases`, taken when free or expired and renewed by its holder on every tick (one
 * statement). Kept in Postgres rather than Redis so a Redis wipe — the very event the sweeper recovers
 * from — cannot leave two sweepers or none.
 */
export class LeaderLock {
  private readonly holder = randomUUID();

  constructor(
    private readonly dataSource: DataSource,
    private readonly name: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO order_sync.leases (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE order_sync.leases.holder = excluded.holder OR order_sync.leases.expires_at < now()
       RETURNING holder`,
      [this.name, this.holder, this.ttlMs],
    );
    return rows.length === 1;
  }
}
