import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { settleJob } from '../shared/job-outcome';
import { ErpDeliveryService } from './erp-delivery.service';

type PushOrderJob = Job<JobPayloads['push-order'], void, 'push-order'>;

@Processor(QUEUE.ERP_PUSH)
export class ErpPushProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: ErpDeliveryService,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.erpPushConcurrency;
  }

  async process(job: PushOrderJob, token?: string): Promise<void> {
    if (job.name !== 'push-order') throw new UnrecoverableError(`unknown job ${job.name}`);
    await settleJob(job, token, await this.delivery.deliverPush(job.data.outboxIds ?? [job.data.outboxId], job.data.merchantId));
  }
}
