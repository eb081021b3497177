import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LeaderLoop } from '@app/persistence/leases/leader-lock';
import { DataSource } from 'typeorm';
import { COUPON_FEATURE_OPTIONS, type CouponFeatureOptions } from '../campaigns/coupon-feature.options';
import { CouponJobs } from './coupon-jobs';
import { CouponSyncRepository } from './coupon-sync.repository';

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Postgres is the record: a (campaign, shop) with work to do whose row has not moved for a while (its job lost with
 * Redis, failed after its attempts, or never added because the add failed after the commit) gets a job again. One
 * leader (`coupon-sync-sweeper`, core.leases). A job still alive under the row's id is left alone.
 */
@Injectable()
export class CouponSyncSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CouponSyncSweeper.name);
  private readonly loop: LeaderLoop;

  constructor(
    dataSource: DataSource,
    private readonly repo: CouponSyncRepository,
    private readonly jobs: CouponJobs,
    @Inject(COUPON_FEATURE_OPTIONS) private readonly opts: CouponFeatureOptions,
  ) {
    this.loop = new LeaderLoop(dataSource, 'coupon-sync-sweeper', opts.sweepIntervalMs, () => this.sweep(), this.logger, undefined, 'core.leases');
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** one pass: how many rows got a job again */
  async sweep(): Promise<number> {
    const due = await this.repo.due(this.opts.sweepStaleMs / 1000, 500);
    let added = 0;
    for (const d of due) {
      const tag = `sweep-${d.state}-${d.attempts}`;
      const state = await this.jobs.queue.getJobState(CouponJobs.jobId(d, tag));
      if (LIVE_STATES.has(state)) continue;
      // a finished job under the same id is remembered by BullMQ: a suffix makes the re-add a new job
      if (await this.jobs.add([d], state === 'unknown' ? tag : `${tag}-${Date.now()}`)) added++;
    }
    if (added > 0) this.logger.warn(`coupon-sync sweeper re-added ${added} jobs`);
    return added;
  }
}
