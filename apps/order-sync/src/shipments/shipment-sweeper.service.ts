import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeaderLoop } from '../shared/leader-lock';
import { ShipmentJobs } from './shipment-jobs';
import { shipmentJobId } from './shipment-rules';
import { SHIPMENTS_OPTIONS, type ShipmentsOptions } from './shipments.options';
import { ShipmentsRepository } from './shipments.repository';

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Postgres is the source of truth for shipments too: a shipment still pending (and not due or leased
 * within) `sweepStaleAfterMs` gets its ship-order job back. Same scheme as the order path's SweeperService
 * (its own lease `shipment-sweeper`, deterministic job ids, a suffix when BullMQ still holds a finished id).
 */
@Injectable()
export class ShipmentSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ShipmentSweeper.name);
  private readonly loop: LeaderLoop;

  constructor(
    dataSource: DataSource,
    private readonly shipments: ShipmentsRepository,
    private readonly jobs: ShipmentJobs,
    @Inject(SHIPMENTS_OPTIONS) private readonly opts: ShipmentsOptions,
  ) {
    this.loop = new LeaderLoop(dataSource, 'shipment-sweeper', opts.sweepIntervalMs, () => this.sweep(), this.logger, opts.leaderLeaseTtlMs);
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async tickIfLeader(): Promise<{ reenqueued: number } | null> {
    if (!(await this.loop.lock.isLeading())) return null;
    return this.sweep();
  }

  async sweep(): Promise<{ reenqueued: number }> {
    const staleSec = this.opts.sweepStaleAfterMs / 1000;
    const rows = await this.shipments.stalePending(staleSec, this.opts.sweepBatch);
    const states = await Promise.all(rows.map((r) => this.jobs.queue.getJobState(shipmentJobId(r.id))));
    const stamp = Date.now();
    const todo = rows
      .map((r, i) => ({ shipmentId: r.id, state: states[i] }))
      .filter((t) => !LIVE_STATES.has(t.state))
      .map((t) => ({ shipmentId: t.shipmentId, suffix: t.state === 'unknown' ? '' : `-s${stamp}` }));
    if (todo.length === 0) return { reenqueued: 0 };
    const ok = await this.jobs.add(todo);
    if (ok) this.logger.warn(`shipment sweeper re-enqueued ${todo.length} pending shipments`);
    return { reenqueued: ok ? todo.length : 0 };
  }
}
