import { Module } from '@nestjs/common';
import { ForwardingModule } from '../forwarding/forwarding.module';
import { CouponCampaignsController } from './coupon-campaigns.controller';

/** /coupon-campaigns, forwarded signed to the coupon service (COUPON_SERVICE_URL, COUPON_SERVICE_TIMEOUT_MS; ForwardingModule's COUPON_FORWARDER). */
@Module({
  imports: [ForwardingModule],
  controllers: [CouponCampaignsController],
})
export class CouponsModule {}
