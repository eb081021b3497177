import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { ShipmentWritebackService } from './shipment-writeback.service';
import { SHIPMENTS_OPTIONS, type ShipmentsOptions } from './shipments.options';

@Processor(QUEUE.SHIPMENTS)
export class ShipOrderProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly writeback: ShipmentWritebackService,
    @Inject(SHIPMENTS_OPTIONS) private readonly opts: ShipmentsOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.concurrency;
  }

  readonly handlers: JobHandlers = {
    'ship-order': async (job, token) => {
      await settleJob(job, token, await this.writeback.ship(job.data.shipmentId));
    },
  };
}
