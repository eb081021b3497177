import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { StockService } from './stock.service';

type ApplyOrderStockJob = Job<JobPayloads['apply-order-stock'], void, 'apply-order-stock'>;

/** canonical order events from order-sync -> stock reservations */
@Processor(QUEUE.STOCK_EVENTS, { concurrency: 4 })
export class StockEventsProcessor extends WorkerHost {
  constructor(private readonly stock: StockService) {
    super();
  }

  async process(job: ApplyOrderStockJob): Promise<void> {
    if (job.name !== 'apply-order-stock') throw new UnrecoverableError(`unknown job ${job.name}`);
    if (job.data?.v !== 1 || !Array.isArray(job.data.orders)) throw new UnrecoverableError(`bad payload for ${job.name}`);
    await this.stock.applyOrderEvents(job.data.orders);
  }
}
