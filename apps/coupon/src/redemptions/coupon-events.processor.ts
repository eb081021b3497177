import { Processor } from '@nestjs/bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { JobProcessor, type JobHandlers } from '@app/queue';
import { RedemptionsService } from './redemptions.service';

/**
 * {coupon-events}: order changes from order-sync's coupon-event outbox. A job is one transaction
 * (RedemptionsService.apply) and idempotent (newest version per order wins; lines are keyed by order and line), so a
 * retry or a job the relay added again changes nothing twice. A failure is retried by BullMQ; a job that gives up
 * is added again by the relay's repair.
 */
@Processor(QUEUE.COUPON_EVENTS, { concurrency: 2 })
export class CouponEventsProcessor extends JobProcessor {
  constructor(private readonly redemptions: RedemptionsService) {
    super();
  }

  readonly handlers: JobHandlers = {
    'apply-order-coupons': async (job) => {
      const d = job.data as JobPayloads['apply-order-coupons'];
      await this.redemptions.apply(d.orders);
    },
  };
}
