import { BaseEnv, ToBoolean, ToInt } from '@app/config';
import { IsBoolean, IsInt, Matches, Min } from 'class-validator';

/** gateway: public HTTP surface (API, webhooks, ops, docs). Defaults documented in .env.example. */
export class GatewayEnv extends BaseEnv {
  override PORT = 3000;

  /** coupon service base URL (the gateway forwards coupon queries to it) */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  COUPON_SERVICE_URL: string = 'http://127.0.0.1:3003';

  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  COUPON_SERVICE_TIMEOUT_MS: number = 2000;

  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  SWAGGER_ENABLED: boolean = true;

  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  BULL_BOARD_ENABLED: boolean = true;
}
