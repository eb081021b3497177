import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { settleJob } from '../shared/job-outcome';
import { OrderPollService } from './order-poll.service';

type PollShopJob = Job<JobPayloads['poll-shop'], void, 'poll-shop'>;

@Processor(QUEUE.ORDER_POLL, { concurrency: 4 })
export class OrderPollProcessor extends WorkerHost {
  constructor(private readonly poll: OrderPollService) {
    super();
  }

  async process(job: PollShopJob, token?: string): Promise<void> {
    if (job.name !== 'poll-shop') throw new UnrecoverableError(`unknown job ${job.name}`);
    await settleJob(job, token, await this.poll.pollShop(job.data.shopId));
  }
}
