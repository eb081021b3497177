import { BaseEnv, ToInt } from '@app/config';
import { IsInt, Min } from 'class-validator';

/** coupon: campaigns across platforms. Defaults documented in .env.example. */
export class CouponEnv extends BaseEnv {
  override PORT = 3003;
  override METRICS_PORT = 9403;

  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  COUPON_EVENTS_CONCURRENCY: number = 4;
}
