import { Processor } from '@nestjs/bullmq';
import { QUEUE } from '@app/contracts';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { StockReconcileService } from './stock-reconcile.service';
import { StockSyncService } from './stock-sync.service';

@Processor(QUEUE.STOCK_SYNC, { concurrency: 8 })
export class StockSyncProcessor extends JobProcessor {
  constructor(
    private readonly sync: StockSyncService,
    private readonly reconciler: StockReconcileService,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    'sync-stock': async (job, token) => {
      await settleJob(job, token, await this.sync.syncOne(job.data.skuId, job.data.shopId));
    },
    'check-stock-drift': async () => {
      // reservations first (order events lost on the way), then the platforms' figures
      await this.reconciler.reconcile();
      await this.sync.checkDrift();
    },
  };

}
