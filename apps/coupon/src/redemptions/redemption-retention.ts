import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LeaderLoop } from '@app/persistence/leases/leader-lock';
import { rowsOf } from '@app/persistence';
import { appMetrics } from '@app/observability';
import { DataSource } from 'typeorm';
import { COUPON_FEATURE_OPTIONS, type CouponFeatureOptions } from '../campaigns/coupon-feature.options';

/**
 * The least COUPON_RETENTION_DAYS may be. An order's coupon state is what a later version of it is judged
 * against (a refund gives its redemption back, an older version changes nothing); refunds and after-sales on
 * the platforms run for weeks after payment (Taobao's after-sales window is 15 days after receipt), so a month.
 */
export const COUPON_RETENTION_FLOOR_DAYS = 30;

/**
 * Retention of the coupon tables that grow with orders (issue 12 item 4 for the coupon app; docs/adr/0013):
 * - `coupon.order_states`, one row per order that named a discount, once untouched for the retention period;
 * - `coupon.redemptions` rows attributed to none of our campaigns (platform or influencer coupons, other
 *   discounts: kept so a person can see why a line was not counted), once their order is that old.
 * A redemption of one of our campaigns is never deleted here: it is the campaign's spend and figures, kept as
 * long as the campaign. One leader (`coupon-retention`, core.leases); at most maxBatchesPerTick DELETEs of
 * batchRows per table and pass, so a backlog is worked off over several passes without long locks.
 */
@Injectable()
export class RedemptionRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RedemptionRetention.name);
  private readonly loop: LeaderLoop;

  constructor(
    private readonly ds: DataSource,
    @Inject(COUPON_FEATURE_OPTIONS) private readonly opts: CouponFeatureOptions,
  ) {
    this.loop = new LeaderLoop(ds, 'coupon-retention', opts.retentionIntervalMs, () => this.sweep(), this.logger, undefined, 'core.leases');
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** one pass: rows deleted per table */
  async sweep(): Promise<{ orderStates: number; unattributed: number }> {
    const days = Math.max(this.opts.retentionDays, COUPON_RETENTION_FLOOR_DAYS);
    const orderStates = await this.batches('order_states', (limit) =>
      this.ds.query(
        `WITH d AS (SELECT shop_id, platform_order_id FROM coupon.order_states WHERE updated_at < now() - make_interval(days => $1) LIMIT $2)
         DELETE FROM coupon.order_states s USING d WHERE s.shop_id = d.shop_id AND s.platform_order_id = d.platform_order_id RETURNING 1`,
        [days, limit],
      ),
    );
    const unattributed = await this.batches('redemptions_unattributed', (limit) =>
      this.ds.query(
        `WITH d AS (SELECT id FROM coupon.redemptions WHERE campaign_id IS NULL AND order_updated_at < now() - make_interval(days => $1) LIMIT $2)
         DELETE FROM coupon.redemptions r USING d WHERE r.id = d.id AND r.campaign_id IS NULL RETURNING 1`,
        [days, limit],
      ),
    );
    if (orderStates + unattributed > 0) this.logger.log({ msg: 'coupon retention', days, orderStates, unattributed });
    return { orderStates, unattributed };
  }

  private async batches(table: string, del: (limit: number) => Promise<unknown>): Promise<number> {
    let total = 0;
    for (let i = 0; i < this.opts.retentionMaxBatchesPerTick; i++) {
      const n = rowsOf<unknown>(await del(this.opts.retentionBatchRows)).length;
      total += n;
      if (n > 0) appMetrics().retentionRowsDeleted.inc({ table: `coupon.${table}` }, n);
      if (n < this.opts.retentionBatchRows) break;
    }
    return total;
  }
}
