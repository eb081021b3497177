import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { POLL_OPTIONS, type PollOptions } from './poll.options';

export const pollSchedulerKey = (shopId: string): string => `poll-shop-${shopId}`;

/**
 * One shop's `poll-shop` job scheduler and its cadence: every pollIntervalMs, or pollFastIntervalMs while
 * its polls find orders that no push announced. Which shops have a scheduler is PollSchedulerService's
 * decision; a poll only switches the cadence of its own shop's scheduler.
 */
@Injectable()
export class PollCadence {
  constructor(
    @InjectQueue(QUEUE.ORDER_POLL) readonly queue: Queue,
    @Inject(POLL_OPTIONS) private readonly opts: PollOptions,
  ) {}

  intervalMs(fast: boolean): number {
    return fast ? Math.min(this.opts.pollFastIntervalMs, this.opts.pollIntervalMs) : this.opts.pollIntervalMs;
  }

  /**
   * Creates or updates the shop's scheduler. BullMQ keeps the next run when the interval is unchanged and
   * runs the shop at once when it is new or its interval changed.
   */
  async schedule(shopId: string, fast: boolean): Promise<void> {
    await this.queue.upsertJobScheduler(
      pollSchedulerKey(shopId),
      { every: this.intervalMs(fast) },
      { name: 'poll-shop', data: { v: 1, shopId } satisfies JobPayloads['poll-shop'] },
    );
  }

  /** Switches an existing scheduler to the wanted cadence; never creates one. True when it changed. */
  async adjust(shopId: string, fast: boolean): Promise<boolean> {
    const js = await this.queue.getJobScheduler(pollSchedulerKey(shopId));
    if (!js || js.every === this.intervalMs(fast)) return false;
    await this.schedule(shopId, fast);
    return true;
  }
}
