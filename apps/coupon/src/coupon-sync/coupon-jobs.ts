import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';

export interface CampaignShopRef {
  merchantId: string;
  campaignId: string;
  shopId: string;
}

/**
 * {coupon-sync} jobs: a wake-up per (campaign, shop) — the job carries ids only and the worker reads what to do
 * from the row (coupon.campaign_shops) and the campaign. The id names the row and a tag (the step, or the
 * instant a delayed job is for), so a repeated add while one is queued is a no-op. An add that fails is logged:
 * the row is in Postgres and the coupon-sync sweeper adds its job again.
 */
@Injectable()
export class CouponJobs {
  private readonly logger = new Logger(CouponJobs.name);

  constructor(@InjectQueue(QUEUE.COUPON_SYNC) readonly queue: Queue) {}

  static jobId(r: CampaignShopRef, tag: string): string {
    return `cpn-${r.campaignId}-${r.shopId}-${tag}`;
  }

  /** one job per row, now (`at` absent) or at the instant given */
  async add(refs: CampaignShopRef[], tag: string, at?: Date): Promise<boolean> {
    if (refs.length === 0) return true;
    const delay = at ? Math.max(0, at.getTime() - Date.now()) : 0;
    try {
      await this.queue.addBulk(
        refs.map((r) => ({
          name: 'sync-campaign-shop' as const,
          data: { v: 1, merchantId: r.merchantId, campaignId: r.campaignId, shopId: r.shopId } satisfies JobPayloads['sync-campaign-shop'],
          opts: { jobId: CouponJobs.jobId(r, tag), ...(delay > 0 ? { delay } : {}) },
        })),
      );
      return true;
    } catch (e) {
      this.logger.warn({ msg: 'coupon-sync enqueue failed; the sweeper adds the jobs again', rows: refs.length, error: String(e) });
      return false;
    }
  }
}
