import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { POLL_OPTIONS, type PollOptions } from './poll.options';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { OrderPollService } from './order-poll.service';

@Processor(QUEUE.ORDER_POLL)
export class OrderPollProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly poll: OrderPollService,
    @Inject(POLL_OPTIONS) private readonly opts: PollOptions,
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
