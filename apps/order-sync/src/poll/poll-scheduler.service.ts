import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { ShopDirectory } from '@app/platforms';
import { DataSource } from 'typeorm';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { LeaderLock } from '../shared/leader-lock';

/**
 * Keeps one `poll-shop` job scheduler per active shop (every pollIntervalMs). Refreshed periodically by
 * one instance, which also restores the schedulers after Redis lost its data.
 */
@Injectable()
export class PollSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PollSchedulerService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly lock: LeaderLock;

  constructor(
    @InjectQueue(QUEUE.ORDER_POLL) private readonly queue: Queue,
    private readonly shops: ShopDirectory,
    dataSource: DataSource,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    this.lock = new LeaderLock(dataSource, 'poll-scheduler', opts.pollSchedulerRefreshMs * 3);
  }

  onApplicationBootstrap(): void {
    if (!this.opts.backgroundLoops) return;
    const tick = (): void => {
      if (this.running) return;
      this.running = this.refreshIfLeader()
        .catch((e: unknown) => this.logger.error(`poll scheduler refresh failed: ${String(e)}`))
        .finally(() => (this.running = null));
    };
    tick();
    this.timer = setInterval(tick, this.opts.pollSchedulerRefreshMs);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async refreshIfLeader(): Promise<number> {
    if (!(await this.lock.tryAcquire())) return 0;
    return this.refresh();
  }

  async refresh(): Promise<number> {
    const shops = await this.shops.listActive();
    const active = new Set(shops.map((s) => `poll-shop-${s.shopId}`));
    for (const s of shops) {
      await this.queue.upsertJobScheduler(
        `poll-shop-${s.shopId}`,
        { every: this.opts.pollIntervalMs },
        { name: 'poll-shop', data: { v: 1, shopId: s.shopId } satisfies JobPayloads['poll-shop'] },
      );
    }
    for (const js of await this.queue.getJobSchedulers()) {
      if (js.key.startsWith('poll-shop-') && !active.has(js.key)) await this.queue.removeJobScheduler(js.key);
    }
    return shops.length;
  }
}
