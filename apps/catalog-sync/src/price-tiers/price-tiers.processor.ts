import { Processor } from '@nestjs/bullmq';
import { QUEUE } from '@app/contracts';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { PriceTiersService } from './price-tiers.service';

@Processor(QUEUE.PRICE_TIERS, { concurrency: 2 })
export class PriceTiersProcessor extends JobProcessor {
  constructor(private readonly tiers: PriceTiersService) {
    super();
  }

  readonly handlers: JobHandlers = {
    'apply-price-tier': async (job, token) => {
      await settleJob(job, token, await this.tiers.run(job.data.tierId, job.data.action));
    },
  };
}
