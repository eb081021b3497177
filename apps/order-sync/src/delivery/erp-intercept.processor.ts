import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { DELIVERY_OPTIONS, type DeliveryOptions } from './delivery.options';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { ErpDeliveryService } from './erp-delivery.service';

/** Cancellations and refunds before shipment: a queue of their own so they never wait behind pushes. */
@Processor(QUEUE.ERP_INTERCEPT)
export class ErpInterceptProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: ErpDeliveryService,
    @Inject(DELIVERY_OPTIONS) private readonly opts: DeliveryOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.erpInterceptConcurrency;
  }

  readonly handlers: JobHandlers = {
    'intercept-order': async (job, token) => {
      await settleJob(job, token, await this.delivery.deliverIntercept(job.data.outboxId, job.data.merchantId));
    },
  };
}
