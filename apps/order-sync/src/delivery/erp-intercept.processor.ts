import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { settleJob } from '../shared/job-outcome';
import { ErpDeliveryService } from './erp-delivery.service';

type InterceptOrderJob = Job<JobPayloads['intercept-order'], void, 'intercept-order'>;

/** Cancellations and refunds before shipment: a queue of their own so they never wait behind pushes. */
@Processor(QUEUE.ERP_INTERCEPT)
export class ErpInterceptProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: ErpDeliveryService,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.erpInterceptConcurrency;
  }

  async process(job: InterceptOrderJob, token?: string): Promise<void> {
    if (job.name !== 'intercept-order') throw new UnrecoverableError(`unknown job ${job.name}`);
    await settleJob(job, token, await this.delivery.deliverIntercept(job.data.outboxId, job.data.merchantId));
  }
}
