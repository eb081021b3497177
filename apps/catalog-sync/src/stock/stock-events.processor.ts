import { Processor } from '@nestjs/bullmq';
import { UnrecoverableError } from 'bullmq';
import { QUEUE, toStockOrderEvent, type CanonicalOrder, type JobPayloads } from '@app/contracts';
import { JobProcessor, type JobHandlers } from '@app/queue';
import { StockService } from './stock.service';

/** order stock events from order-sync (ids, status, SKU lines) -> stock reservations */
@Processor(QUEUE.STOCK_EVENTS, { concurrency: 4 })
export class StockEventsProcessor extends JobProcessor {
  constructor(private readonly stock: StockService) {
    super();
  }

  readonly handlers: JobHandlers = {
    'apply-order-stock': async (job) => {
      const data = job.data as JobPayloads['apply-order-stock'] | { v: 1; orders: CanonicalOrder[] } | undefined;
      if (!data || !Array.isArray(data.orders) || (data.v !== 1 && data.v !== 2)) throw new UnrecoverableError(`bad payload for ${job.name}`);
      // v1 (whole orders) is still drained from queues filled before v2; only the stock fields are used
      await this.stock.applyOrderEvents(data.v === 1 ? data.orders.map(toStockOrderEvent) : data.orders);
    },
  };
}
