import { BaseEnv, ToBoolean, ToInt } from '@app/config';
import { IsBoolean, IsInt, IsOptional, Matches, Min } from 'class-validator';

/** gateway: public HTTP surface (API, webhooks, ops, docs). Defaults documented in .env.example. */
export class GatewayEnv extends BaseEnv {
  override PORT = 3000;
  override METRICS_PORT = 9400;

  /** coupon service base URL (the gateway forwards coupon queries to it) */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  COUPON_SERVICE_URL: string = 'http://127.0.0.1:3003';

  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  COUPON_SERVICE_TIMEOUT_MS: number = 2000;

  /** order-sync's internal base URL (the gateway forwards /erp/* and /ops/sla to it) */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  ORDER_SYNC_URL: string = 'http://127.0.0.1:3001';

  /** catalog-sync's internal base URL */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  CATALOG_SYNC_URL: string = 'http://127.0.0.1:3002';

  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100, { message: 'must be at least 100' })
  @ToInt()
  UPSTREAM_TIMEOUT_MS: number = 10_000;

  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  SWAGGER_ENABLED: boolean = true;

  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  BULL_BOARD_ENABLED: boolean = true;

  /** the platforms' authorisation pages (default: production); the simulators' in the demo and tests */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  PLATFORM_AUTHORIZE_URL_DOUYIN?: string;

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  PLATFORM_AUTHORIZE_URL_TAOBAO?: string;

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  PLATFORM_AUTHORIZE_URL_XIAOHONGSHU?: string;

  /** the gateway's public URL: the platform redirects the merchant to <this>/shops/oauth/callback/<platform> */
  @Matches(/^https?:\/\/[^\s/]+$/, { message: 'must be an http(s) origin without a path' })
  OAUTH_REDIRECT_BASE_URL: string = 'http://127.0.0.1:3000';

  /** how long a state from POST /shops/authorize stays usable (single use) */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(10_000, { message: 'must be at least 10000' })
  @ToInt()
  OAUTH_STATE_TTL_MS: number = 600_000;

  /**
   * SHA-256 (hex) of the platform operator's token, the only credential Bull Board and /operator/* accept
   * (`printf %s "$TOKEN" | sha256sum`). No merchant API key can be it. Unset: no operator console.
   */
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be the 64-hex-character SHA-256 of the operator token' })
  OPERATOR_TOKEN_SHA256?: string;
  /** per-key and per-merchant request limits (shared by every gateway instance through Redis) */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  RATE_LIMIT_ENABLED: boolean = true;

  /** the window the RATE_LIMIT_* counts are per */
  @IsInt({ message: 'must be an integer number of seconds' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  RATE_LIMIT_WINDOW_SEC: number = 1;

  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  RATE_LIMIT_PER_KEY: number = 300;

  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  RATE_LIMIT_PER_MERCHANT: number = 600;

  /** platform pushes are signed, not keyed: bounded per (platform, source IP) instead */
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  RATE_LIMIT_WEBHOOK_PER_IP: number = 5000;

  /** alert evaluation and sending in this process (each loop on one instance at a time, by a core.leases lease) */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  ALERTS_ENABLED: boolean = true;

  /** how often every merchant's signals are read and its alerts evaluated */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100, { message: 'must be at least 100' })
  @ToInt()
  ALERT_EVAL_INTERVAL_MS: number = 15_000;

  /** how often the alert outbox is drained */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100, { message: 'must be at least 100' })
  @ToInt()
  ALERT_SEND_INTERVAL_MS: number = 1000;

  /** deliveries to one channel within this window go out as one message */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0, { message: 'must be at least 0' })
  @ToInt()
  ALERT_GROUP_WINDOW_MS: number = 5000;

  /** an open critical alert is sent again this often (0: never) */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0, { message: 'must be at least 0' })
  @ToInt()
  ALERT_REPEAT_CRITICAL_MS: number = 300_000;

  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0, { message: 'must be at least 0' })
  @ToInt()
  ALERT_REPEAT_WARNING_MS: number = 1_800_000;

  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0, { message: 'must be at least 0' })
  @ToInt()
  ALERT_REPEAT_INFO_MS: number = 0;

  /** an ERP breaker not closed for longer than this: critical alert erp_breaker_open */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0, { message: 'must be at least 0' })
  @ToInt()
  ALERT_BREAKER_OPEN_MS: number = 30_000;

  /** the oldest pending inbox / outbox / shipment row older than this: warning (5x: critical) */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000, { message: 'must be at least 1000' })
  @ToInt()
  ALERT_QUEUE_AGE_WARN_MS: number = 60_000;

  /** the window SLA breaches and the breach rate are counted over */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(10_000, { message: 'must be at least 10000' })
  @ToInt()
  ALERT_SLA_WINDOW_MS: number = 600_000;
}
