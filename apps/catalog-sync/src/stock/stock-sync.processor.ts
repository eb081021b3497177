import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { settleJob } from './job-outcome';
import { StockReconcileService } from './stock-reconcile.service';
import { StockSyncService } from './stock-sync.service';

type StockSyncJob = Job<JobPayloads['sync-stock'], void, 'sync-stock'> | Job<JobPayloads['check-stock-drift'], void, 'check-stock-drift'>;

@Processor(QUEUE.STOCK_SYNC, { concurrency: 8 })
export class StockSyncProcessor extends WorkerHost {
  constructor(
    private readonly sync: StockSyncService,
    private readonly reconciler: StockReconcileService,
  ) {
    super();
  }

  async process(job: StockSyncJob, token?: string): Promise<void> {
    switch (job.name) {
      case 'sync-stock': {
        const { skuId, shopId } = job.data as JobPayloads['sync-stock'];
        await settleJob(job, token, await this.sync.syncOne(skuId, shopId));
        return;
      }
      case 'check-stock-drift':
        // reservations first (order events lost on the way), then the platforms' figures
        await this.reconciler.reconcile();
        await this.sync.checkDrift();
        return;
      default:
        throw new UnrecoverableError(`unknown job ${(job as Job).name}`);
    }
  }
}
