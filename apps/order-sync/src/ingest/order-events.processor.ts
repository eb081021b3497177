import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { settleJob } from '../shared/job-outcome';
import { OrderIngestService } from './order-ingest.service';

type ProcessInboxJob =
  | Job<JobPayloads['process-inbox'], void, 'process-inbox'>
  | Job<JobPayloads['process-inbox-batch'], void, 'process-inbox-batch'>;

@Processor(QUEUE.ORDER_EVENTS)
export class OrderEventsProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly ingest: OrderIngestService,
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // many jobs in flight so the ingest batcher can group them
    this.worker.concurrency = this.opts.ingestConcurrency;
  }

  async process(job: ProcessInboxJob, token?: string): Promise<void> {
    switch (job.name) {
      case 'process-inbox':
        return settleJob(job, token, await this.ingest.processInbox((job.data as JobPayloads['process-inbox']).inboxId));
      case 'process-inbox-batch':
        // rows that must wait (platform throttled, breaker open) continue as single delayed jobs
        return this.ingest.processInboxBatch((job.data as JobPayloads['process-inbox-batch']).inboxIds);
      default:
        throw new UnrecoverableError(`unknown job ${(job as Job).name}`);
    }
  }
}
