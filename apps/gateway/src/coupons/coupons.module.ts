import { Module } from '@nestjs/common';
import { GatewayEnv } from '../config/env.validation';
import { ServiceForwarder } from '../forwarding/service-forwarder';
import { COUPON_FORWARDER, CouponCampaignsController } from './coupon-campaigns.controller';

/** /coupon-campaigns, forwarded signed to the coupon service (COUPON_SERVICE_URL, COUPON_SERVICE_TIMEOUT_MS). */
@Module({
  controllers: [CouponCampaignsController],
  providers: [
    {
      provide: COUPON_FORWARDER,
      inject: [GatewayEnv],
      useFactory: (env: GatewayEnv) => new ServiceForwarder('coupon', env.COUPON_SERVICE_URL, env.COUPON_SERVICE_TIMEOUT_MS, env.INTERNAL_SERVICE_SECRET),
    },
  ],
})
export class CouponsModule {}
