import { Module, type DynamicModule } from '@nestjs/common';
import { CampaignsController } from './campaigns.controller';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { COUPON_FEATURE_OPTIONS, DEFAULT_COUPON_FEATURE_OPTIONS, type CouponFeatureOptions } from './coupon-feature.options';

/** Coupon campaigns: the model, each shop's state from its platform's coupon capability, the API. Needs a TypeORM DataSource. */
@Module({})
export class CampaignsFeatureModule {
  static register(cfg: { options?: Partial<CouponFeatureOptions> } = {}): DynamicModule {
    return {
      module: CampaignsFeatureModule,
      controllers: [CampaignsController],
      providers: [{ provide: COUPON_FEATURE_OPTIONS, useValue: { ...DEFAULT_COUPON_FEATURE_OPTIONS, ...(cfg.options ?? {}) } }, CampaignsRepository, CampaignsService],
      exports: [CampaignsService],
    };
  }
}
