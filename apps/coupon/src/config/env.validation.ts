import { BaseEnv, IntEnv, ToBoolean } from '@app/config';
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

  /**
   * The budget guard stops a campaign once its spend plus what it spent over the last this-many ms reaches the budget
   * (a stop takes about that long to reach every platform while redemptions go on); 0: at 100 % exactly.
   */
  @IntEnv(0) COUPON_BUDGET_STOP_LEAD_MS: number = 2000;

  /**
   * Days an order's coupon state (coupon.order_states) and discount lines attributed to none of our campaigns are
   * kept; at least 30 (refunds come weeks after payment). Our campaigns' redemptions are kept with the campaign.
   */
  @IntEnv(30) COUPON_RETENTION_DAYS: number = 90;
}
