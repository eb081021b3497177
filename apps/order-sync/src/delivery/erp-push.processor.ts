import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { ErpDeliveryService } from './erp-delivery.service';

@Processor(QUEUE.ERP_PUSH)
export class ErpPushProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: ErpDeliveryService,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.erpPushConcurrency;
  }

  readonly handlers: JobHandlers = {
    'push-order': async (job, token) => {
      await settleJob(job, token, await this.delivery.deliverPush(job.data.outboxIds ?? [job.data.outboxId], job.data.merchantId));
    },
  };
}
