import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { DELIVERY_OPTIONS, type DeliveryOptions } from './delivery.options';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { ErpDeliveryService } from './erp-delivery.service';

@Processor(QUEUE.ERP_PUSH)
export class ErpPushProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: ErpDeliveryService,
    @Inject(DELIVERY_OPTIONS) private readonly opts: DeliveryOptions,
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
