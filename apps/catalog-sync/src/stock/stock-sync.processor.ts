import { Processor } from '@nestjs/bullmq';
import { QUEUE } from '@app/contracts';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { StockSyncService } from './stock-sync.service';

@Processor(QUEUE.STOCK_SYNC, { concurrency: 8 })
export class StockSyncProcessor extends JobProcessor {
  constructor(private readonly sync: StockSyncService) {
    super();
  }

  readonly handlers: JobHandlers = {
    'sync-stock': async (job, token) => {
      await settleJob(job, token, await this.sync.syncOne(job.data.skuId, job.data.shopId));
    },
    'check-stock-drift': async () => {
      // order events lost on the way are re-sent by order-sync's stock-event relay (docs/adr/0014); this compares the platforms' figures
      await this.sync.checkDrift();
    },
  };

}
