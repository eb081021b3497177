import { Module, type DynamicModule } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { registerQueues } from '@app/queue';
import { CouponJobs } from '../coupon-sync/coupon-jobs';
import { CouponSyncProcessor } from '../coupon-sync/coupon-sync.processor';
import { CouponSyncRepository } from '../coupon-sync/coupon-sync.repository';
import { CouponSyncService } from '../coupon-sync/coupon-sync.service';
import { CouponSyncSweeper } from '../coupon-sync/coupon-sync.sweeper';
import { CouponExceptionsController, CouponExceptionsService } from '../exceptions/coupon-exceptions';
import { CouponEventsProcessor } from '../redemptions/coupon-events.processor';
import { RedemptionReconciler } from '../redemptions/redemption-reconciler';
import { RedemptionRetention } from '../redemptions/redemption-retention';
import { RedemptionsRepository } from '../redemptions/redemptions.repository';
import { RedemptionsService } from '../redemptions/redemptions.service';
import { CampaignsController } from './campaigns.controller';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { COUPON_FEATURE_OPTIONS, DEFAULT_COUPON_FEATURE_OPTIONS, type CouponFeatureOptions } from './coupon-feature.options';

/**
 * Coupon campaigns: the model, each shop's state from its platform's coupon capability, the API; with `sync`, the
 * {coupon-sync} jobs that create and stop the coupons on the platforms (issue 11 item 3), their worker and sweeper,
 * and the {coupon-events} worker: redemptions counted from orders and the budget guard (items 4-5).
 * Needs a TypeORM DataSource; with `sync`, QueueModule.forRoot and PlatformAdapterRegistry + ShopDirectory (global).
 */
@Module({})
export class CampaignsFeatureModule {
  static register(cfg: { options?: Partial<CouponFeatureOptions>; sync?: boolean } = {}): DynamicModule {
    const sync = cfg.sync ? [CouponJobs, CouponSyncRepository, CouponSyncService, CouponSyncProcessor, CouponSyncSweeper, RedemptionsService, CouponEventsProcessor, RedemptionReconciler, RedemptionRetention] : [];
    return {
      module: CampaignsFeatureModule,
      imports: cfg.sync ? [registerQueues([QUEUE.COUPON_SYNC, QUEUE.COUPON_EVENTS])] : [],
      controllers: [CampaignsController, CouponExceptionsController],
      providers: [{ provide: COUPON_FEATURE_OPTIONS, useValue: { ...DEFAULT_COUPON_FEATURE_OPTIONS, ...(cfg.options ?? {}) } }, CampaignsRepository, CampaignsService, CouponExceptionsService, RedemptionsRepository, ...sync],
      exports: [CampaignsService, ...(cfg.sync ? [CouponSyncService, CouponSyncSweeper, RedemptionsService, RedemptionReconciler, RedemptionRetention] : [])],
    };
  }
}
