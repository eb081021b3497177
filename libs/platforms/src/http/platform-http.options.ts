import type { OutboundPolicy } from '@app/net';

/** Settings shared by the three platform adapters. */
export interface PlatformHttpOptions {
  /** time limit of one platform exchange, total (connect to last byte) and idle; the breaker's timeout is set a little above it */
  timeoutMs: number;
  /**
   * the outbound URL policy (libs/net): which hosts a platform call may reach, checked before each
   * request and on connect. Default: a policy without operator allowances (production hosts only).
   */
  outbound?: OutboundPolicy;
  /** largest response body accepted (default 8 MiB, PLATFORM_MAX_RESPONSE_BYTES) */
  maxResponseBytes?: number;
  /** refresh the access token first when it expires within this margin (default 10 min) */
  tokenRefreshMarginMs?: number;
  /** retryAfterMs to report for platform flow control that states no wait (default 1000) */
  defaultRateLimitWaitMs?: number;
  /**
   * what one QPS budget covers: 'api' (default) = each API method of a shop has its own (the platforms'
   * quotas are per app and API), 'shop' = one budget for all of a shop's calls
   */
  qpsScope?: QpsScope;
}

export const QPS_SCOPES = ['api', 'shop'] as const;
export type QpsScope = (typeof QPS_SCOPES)[number];

export const DEFAULT_TOKEN_REFRESH_MARGIN_MS = 10 * 60_000;
export const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
