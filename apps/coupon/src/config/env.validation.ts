import { BaseEnv, ToBoolean } from '@app/config';
import { IsBoolean } from 'class-validator';

/** coupon: campaigns across platforms. Defaults documented in .env.example. */
export class CouponEnv extends BaseEnv {
  override PORT = 3003;
  override METRICS_PORT = 9403;

  /**
   * Use coupon APIs the facts document does not confirm (libs/platforms manifests, `confirmed: false`): Douyin's
   * marketing.* family. Off: such platforms show `manual` with the reason, nothing is sent to them.
   */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  COUPON_UNCONFIRMED_APIS_ENABLED: boolean = false;
}
