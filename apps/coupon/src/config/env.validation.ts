import { BaseEnv } from '@app/config';

/** coupon: campaigns across platforms. Defaults documented in .env.example. */
export class CouponEnv extends BaseEnv {
  override PORT = 3003;
  override METRICS_PORT = 9403;
  // no queue yet: issue 11 gives coupon its campaigns, jobs and their settings
}
