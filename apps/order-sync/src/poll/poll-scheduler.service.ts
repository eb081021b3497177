import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ShopDirectory } from '@app/platforms';
import { DataSource } from 'typeorm';
import { POLL_OPTIONS, type PollOptions } from './poll.options';
import { LeaderLoop } from '../shared/leader-lock';
import { PollCadence, pollSchedulerKey } from './poll-cadence';
import { PollCursorsRepository } from './poll-cursors.repository';

export interface ReconcileResult {
  /** true when every scheduler was rewritten (a change was seen, or the periodic refresh was due) */
  refreshed: boolean;
  /** active shops with a scheduler after this pass */
  shops: number;
}

/**
 * Keeps one `poll-shop` job scheduler per active shop. One instance (lease `poll-scheduler`) checks every
 * pollShopCheckMs whether the active shops changed — one cheap fingerprint query on core.shops — or Redis
 * lost schedulers (their count differs), and then rewrites them all; it also rewrites them every
 * pollSchedulerRefreshMs regardless. So a shop registered after boot is polled within seconds, whatever
 * path created or re-activated it (shops API, OAuth callback, CLI, a token refresh clearing needs_reauth).
 *
 * Why a state check rather than LISTEN/NOTIFY or an outbox event: it reads the source of truth, so nothing
 * is missed while no instance listens (a leader hand-over, a restart, a lost connection), it needs no
 * dedicated connection (works behind PgBouncer's transaction pooling) and no trigger or event in the
 * gateway's write paths, and one query every 2 s on one instance costs nothing.
 */
@Injectable()
export class PollSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PollSchedulerService.name);
  private readonly loop: LeaderLoop;
  /** what the last full refresh saw: shop fingerprint, schedulers written, when */
  private seen: { version: string; schedulers: number; at: number } | null = null;

  constructor(
    private readonly cadence: PollCadence,
    private readonly shops: ShopDirectory,
    private readonly cursors: PollCursorsRepository,
    dataSource: DataSource,
    @Inject(POLL_OPTIONS) private readonly opts: PollOptions,
  ) {
    this.loop = new LeaderLoop(dataSource, 'poll-scheduler', opts.pollShopCheckMs, () => this.reconcile(), this.logger, opts.leaderLeaseTtlMs);
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** one check; a full refresh when the shops or the schedulers changed, or the periodic refresh is due */
  async reconcile(now: number = Date.now()): Promise<ReconcileResult> {
    // read before listing, so a change during the refresh is seen on the next check
    const version = await this.shops.activeShopsVersion();
    const schedulers = await this.cadence.queue.getJobSchedulersCount();
    const s = this.seen;
    if (s && s.version === version && s.schedulers === schedulers && now - s.at < this.opts.pollSchedulerRefreshMs) {
      return { refreshed: false, shops: s.schedulers };
    }
    const n = await this.refresh();
    this.seen = { version, schedulers: n, at: now };
    if (!s || s.version !== version) this.logger.log(`poll schedulers: ${n} active shops`);
    return { refreshed: true, shops: n };
  }

  /** writes every active shop's scheduler (fast where its cursor says so) and removes the others; returns how many */
  async refresh(): Promise<number> {
    const shops = this.opts.pollIntervalMs > 0 ? await this.shops.listActive() : [];
    const ids = shops.map((s) => s.shopId);
    const fastIds = await this.cursors.fastShops(ids);
    for (const id of ids) await this.cadence.schedule(id, fastIds.has(id));
    const active = new Set(ids.map(pollSchedulerKey));
    for (const js of await this.cadence.queue.getJobSchedulers()) {
      if (js.key.startsWith('poll-shop-') && !active.has(js.key)) await this.cadence.queue.removeJobScheduler(js.key);
    }
    return ids.length;
  }
}
