import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { settleJob } from '../shared/job-outcome';
import { ShipmentWritebackService } from './shipment-writeback.service';
import { SHIPMENTS_OPTIONS, type ShipmentsOptions } from './shipments.options';

type ShipOrderJob = Job<JobPayloads['ship-order'], void, 'ship-order'>;

@Processor(QUEUE.SHIPMENTS)
export class ShipOrderProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly writeback: ShipmentWritebackService,
    @Inject(SHIPMENTS_OPTIONS) private readonly opts: ShipmentsOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.concurrency;
  }

  async process(job: ShipOrderJob, token?: string): Promise<void> {
    if (job.name !== 'ship-order') throw new UnrecoverableError(`unknown job ${job.name}`);
    await settleJob(job, token, await this.writeback.ship(job.data.shipmentId));
  }
}
