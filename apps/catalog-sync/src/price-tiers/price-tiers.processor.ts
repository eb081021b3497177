import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { settleJob } from '../stock/job-outcome';
import { PriceTiersService } from './price-tiers.service';

type ApplyPriceTierJob = Job<JobPayloads['apply-price-tier'], void, 'apply-price-tier'>;

@Processor(QUEUE.PRICE_TIERS, { concurrency: 2 })
export class PriceTiersProcessor extends WorkerHost {
  constructor(private readonly tiers: PriceTiersService) {
    super();
  }

  async process(job: ApplyPriceTierJob, token?: string): Promise<void> {
    if (job.name !== 'apply-price-tier') throw new UnrecoverableError(`unknown job ${job.name}`);
    await settleJob(job, token, await this.tiers.run(job.data.tierId, job.data.action));
  }
}
