import { Processor } from '@nestjs/bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { CouponSyncService } from './coupon-sync.service';

@Processor(QUEUE.COUPON_SYNC, { concurrency: 4 })
export class CouponSyncProcessor extends JobProcessor {
  constructor(private readonly sync: CouponSyncService) {
    super();
  }

  readonly handlers: JobHandlers = {
    'sync-campaign-shop': async (job, token) => {
      const d = job.data as JobPayloads['sync-campaign-shop'];
      await settleJob(job, token, await this.sync.sync({ merchantId: d.merchantId, campaignId: d.campaignId, shopId: d.shopId }, job.attemptsMade + 1));
    },
  };
}
