import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { INGEST_OPTIONS, type IngestOptions } from './ingest.options';
import { OrderIngestService } from './order-ingest.service';

@Processor(QUEUE.ORDER_EVENTS)
export class OrderEventsProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly ingest: OrderIngestService,
    @Inject(INGEST_OPTIONS) private readonly opts: IngestOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // many jobs in flight so the ingest batcher can group them
    this.worker.concurrency = this.opts.ingestConcurrency;
  }

  readonly handlers: JobHandlers = {
    'process-inbox': async (job, token) => {
      await settleJob(job, token, await this.ingest.processInbox(job.data.inboxId));
    },
    // rows that must wait (platform throttled, breaker open) continue as single delayed jobs
    'process-inbox-batch': (job) => this.ingest.processInboxBatch(job.data.inboxIds),
  };
}
