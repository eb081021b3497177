import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { platformRegistry, PlatformAdapterRegistry, ShopDirectory, hasCapability } from '@app/platforms';
import { LeaderLoop } from '@app/persistence/leases/leader-lock';
import { rowsOf } from '@app/persistence';
import { describeError } from '@app/queue';
import { DataSource } from 'typeorm';
import { COUPON_FEATURE_OPTIONS, type CouponFeatureOptions } from '../campaigns/coupon-feature.options';

/** campaign shops checked in one pass at most */
const RECONCILE_BATCH = 100;

interface DueRow {
  merchant_id: string;
  campaign_id: string;
  shop_id: string;
  platform: string;
  platform_coupon_id: string;
}

/**
 * Compares our redemption count with the platform's usage statistics where the platform has them (issue 11 item 4:
 * Kuaishou `open.promotion.coupon.statistic`, its fields unconfirmed: behind COUPON_UNCONFIRMED_APIS_ENABLED like its
 * create). One leader (`coupon-usage-reconcile`, core.leases). Per (campaign, shop) with a platform coupon, at most
 * every reconcileStaleMs while the campaign runs and for a day after: the platform's `used`, our count at that moment
 * and the time go on the row (GET shows them per platform as `usage`); a difference is recorded, never "fixed" —
 * which side is right (a refund the platform does not count, an order we never received) is for a person to see.
 */
@Injectable()
export class RedemptionReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RedemptionReconciler.name);
  private readonly loop: LeaderLoop;

  constructor(
    private readonly ds: DataSource,
    private readonly adapters: PlatformAdapterRegistry,
    private readonly directory: ShopDirectory,
    @Inject(COUPON_FEATURE_OPTIONS) private readonly opts: CouponFeatureOptions,
  ) {
    this.loop = new LeaderLoop(ds, 'coupon-usage-reconcile', opts.reconcileIntervalMs, () => this.reconcile(), this.logger, undefined, 'core.leases');
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** one pass: the rows checked and the ones whose count differs from the platform's */
  async reconcile(): Promise<{ checked: number; differing: number }> {
    const due = rowsOf<DueRow>(
      await this.ds.query(
        `SELECT s.merchant_id, s.campaign_id, s.shop_id, s.platform, s.platform_coupon_id
           FROM coupon.campaign_shops s JOIN coupon.campaigns c ON c.merchant_id = s.merchant_id AND c.id = s.campaign_id
          WHERE s.platform_coupon_id IS NOT NULL AND s.state IN ('created', 'stopping', 'stopped')
            AND c.started_at IS NOT NULL AND c.claim_ends_at > now() - interval '1 day'
            AND (s.usage_checked_at IS NULL OR s.usage_checked_at < now() - make_interval(secs => $1::float8 / 1000))
          ORDER BY s.usage_checked_at NULLS FIRST LIMIT $2`,
        [this.opts.reconcileStaleMs, RECONCILE_BATCH],
      ),
    );
    let checked = 0;
    let differing = 0;
    for (const r of due) {
      const read = platformRegistry.get(r.platform as never).coupons.operations?.readUsage;
      const adapter = this.adapters.get(r.platform as never);
      if (!read || (!read.confirmed && !this.opts.unconfirmedApis) || !hasCapability(adapter, 'couponUsage')) continue;
      const shop = await this.directory.get(r.shop_id);
      if (!shop) continue;
      try {
        const usage = await adapter.readCouponUsage(shop, r.platform_coupon_id);
        const [ours] = rowsOf<{ n: string }>(
          await this.ds.query(`SELECT count(*) AS n FROM coupon.redemptions WHERE merchant_id = $1 AND campaign_id = $2 AND shop_id = $3 AND status = 'redeemed'`, [r.merchant_id, r.campaign_id, r.shop_id]),
        );
        const counted = Number(ours.n);
        await this.ds.query(
          `UPDATE coupon.campaign_shops SET platform_used = $4, platform_used_amount_fen = $5, counted_at_check = $6, usage_checked_at = now()
            WHERE merchant_id = $1 AND campaign_id = $2 AND shop_id = $3`,
          [r.merchant_id, r.campaign_id, r.shop_id, usage.used, usage.usedAmountFen, counted],
        );
        checked += 1;
        if (usage.used !== null && usage.used !== counted) {
          differing += 1;
          this.logger.warn({ msg: 'coupon usage differs from our redemption count', merchantId: r.merchant_id, campaignId: r.campaign_id, shopId: r.shop_id, platformUsed: usage.used, counted });
        }
      } catch (e) {
        this.logger.warn({ msg: 'coupon usage read failed; tried again next pass', campaignId: r.campaign_id, shopId: r.shop_id, error: describeError(e) });
      }
    }
    return { checked, differing };
  }
}
