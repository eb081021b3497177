import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { settleJob } from '../shared/job-outcome';
import { OrderPollService } from './order-poll.service';

type PollShopJob = Job<JobPayloads['poll-shop'], void, 'poll-shop'>;

@Processor(QUEUE.ORDER_POLL)
export class OrderPollProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly poll: OrderPollService,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.pollConcurrency;
  }

  async process(job: PollShopJob, token?: string): Promise<void> {
    if (job.name !== 'poll-shop') throw new UnrecoverableError(`unknown job ${job.name}`);
    await settleJob(job, token, await this.poll.pollShop(job.data.shopId));
  }
}
