import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { appMetrics } from '@app/observability';

/** How long a lease lives without renewal; its holder (and every standby) beats every third of it. */
export const DEFAULT_LEASE_TTL_MS = 6000;

/** a lease table: `name text PRIMARY KEY, holder text, expires_at timestamptz` (order_sync.leases, core.leases) */
export type LeaseTable = 'order_sync.leases' | 'core.leases';

/**
 * One active instance per named loop (SLA check, sweeper, poll scheduler, alert evaluation) across all replicas:
 * a lease row in the owner's lease table (`order_sync.leases`, `core.leases`), taken when free or expired. Kept in Postgres rather than Redis so a Redis wipe —
 * the very event the sweeper recovers from — cannot leave two sweepers or none.
 *
 * The lease is short (6 s by default) and kept alive by a heartbeat of its own (every ttl / 3), not by the
 * loop's tick: a loop that ticks once a minute still hands over within ttl + one beat (<= 8 s) of its
 * leader's death, because every standby beats too and takes the lease as soon as it expires. A holder whose
 * renewals fail stops calling itself leader when the lease it last renewed runs out (measured from before
 * the renewal was sent, so never after Postgres lets a standby take it). Graceful shutdown deletes the row,
 * so a standby takes over on its next beat.
 */
export class LeaderLock {
  private readonly holder = randomUUID();
  private readonly heartbeatMs: number;
  /** performance.now() until which this instance may act as leader */
  private leaderUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    readonly name: string,
    private readonly ttlMs: number = DEFAULT_LEASE_TTL_MS,
    private readonly logger?: Logger,
    private readonly table: LeaseTable = 'order_sync.leases',
  ) {
    this.heartbeatMs = Math.max(100, Math.floor(ttlMs / 3));
  }

  /** Starts the heartbeat; `onGained` runs each time this instance becomes the leader (the loop ticks at once). */
  start(onGained?: () => void): void {
    if (this.timer) return;
    const beat = (): void => {
      if (this.beating) return;
      this.beating = this.beat(onGained).finally(() => (this.beating = null));
    };
    beat();
    this.timer = setInterval(beat, this.heartbeatMs);
  }

  /** Stops the heartbeat and gives the lease up (a standby takes it on its next beat). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    const held = this.isLeader();
    this.leaderUntil = 0;
    if (!held) return;
    try {
      await this.dataSource.query(`DELETE FROM ${this.table} WHERE name = $1 AND holder = $2`, [this.name, this.holder]);
    } catch (e) {
      // the lease then simply expires
      this.logger?.warn(`lease ${this.name}: release failed: ${String(e)}`);
    }
  }

  /** The heartbeat's view: true while the lease this instance last took or renewed has not run out. */
  isLeader(): boolean {
    return performance.now() < this.leaderUntil;
  }

  /**
   * Whether this instance leads now: the heartbeat's view while it runs; without one (tests driving a loop
   * by hand) one acquire-or-renew.
   */
  async isLeading(): Promise<boolean> {
    return this.timer ? this.isLeader() : this.tryAcquire();
  }

  /** Takes the lease when free or expired, renews it when held; one statement. */
  async tryAcquire(): Promise<boolean> {
    const sentAt = performance.now();
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO ${this.table} AS l (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE l.holder = excluded.holder OR l.expires_at < now()
       RETURNING holder`,
      [this.name, this.holder, this.ttlMs],
    );
    const held = rows.length === 1;
    this.leaderUntil = held ? sentAt + this.ttlMs : 0;
    return held;
  }

  private async beat(onGained?: () => void): Promise<void> {
    const was = this.isLeader();
    let held: boolean;
    try {
      held = await this.tryAcquire();
      this.lastError = null;
    } catch (e) {
      // keep what the last renewal gave: it runs out by itself
      const msg = String(e);
      if (msg !== this.lastError) this.logger?.warn(`lease ${this.name}: heartbeat failed: ${msg}`);
      this.lastError = msg;
      return;
    }
    if (held && !was) {
      this.logger?.log(`lease ${this.name}: this instance leads`);
      onGained?.();
    }
  }
}

/**
 * A singleton loop: `tick` every `everyMs` on the instance holding the lease `name`, and at once when an
 * instance becomes the leader (so a hand-over never waits a whole interval).
 */
export class LeaderLoop {
  readonly lock: LeaderLock;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    dataSource: DataSource,
    name: string,
    private readonly everyMs: number,
    private readonly tick: () => Promise<unknown>,
    private readonly logger: Logger,
    leaseTtlMs: number = DEFAULT_LEASE_TTL_MS,
    table: LeaseTable = 'order_sync.leases',
  ) {
    this.lock = new LeaderLock(dataSource, name, leaseTtlMs, logger, table);
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.everyMs);
    this.lock.start(() => this.kick());
  }

  /** stops ticking, waits for a running tick, then releases the lease */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.lock.stop();
  }

  private kick(): void {
    if (this.running || !this.timer || !this.lock.isLeader()) return;
    const t0 = performance.now();
    this.running = this.tick()
      .catch((e: unknown) => this.logger.error(`${this.lock.name} tick failed: ${String(e)}`))
      .finally(() => {
        this.running = null;
        // the leader's headroom: a tick's time against everyMs (omnisync_leader_tick_seconds{loop})
        appMetrics().leaderTickSeconds.observe({ loop: this.lock.name }, (performance.now() - t0) / 1000);
      });
  }
}
