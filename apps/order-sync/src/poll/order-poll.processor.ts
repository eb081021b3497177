import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { OrderPollService } from './order-poll.service';

@Processor(QUEUE.ORDER_POLL)
export class OrderPollProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly poll: OrderPollService,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.pollConcurrency;
  }

  readonly handlers: JobHandlers = {
    'poll-shop': async (job, token) => {
      await settleJob(job, token, await this.poll.pollShop(job.data.shopId));
    },
  };
}
