import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { shipmentJobId } from './shipment-rules';

/**
 * Enqueues ship-order jobs after their rows are committed. A failed enqueue is logged and reported, never
 * thrown into the caller: the rows are pending in Postgres and the ShipmentSweeper re-adds them.
 */
@Injectable()
export class ShipmentJobs {
  private readonly logger = new Logger(ShipmentJobs.name);

  constructor(@InjectQueue(QUEUE.SHIPMENTS) readonly queue: Queue) {}

  /** `suffix` is for ids BullMQ still remembers as finished (sweeper) */
  async add(items: { shipmentId: string; suffix?: string }[]): Promise<boolean> {
    if (items.length === 0) return true;
    try {
      await this.queue.addBulk(
        items.map((i) => ({
          name: 'ship-order' as const,
          data: { v: 1, shipmentId: i.shipmentId } satisfies JobPayloads['ship-order'],
          opts: { jobId: shipmentJobId(i.shipmentId) + (i.suffix ?? '') },
        })),
      );
      return true;
    } catch (e) {
      this.logger.warn(`enqueue of ${items.length} ship-order jobs failed, left to the sweeper: ${String(e)}`);
      return false;
    }
  }
}
