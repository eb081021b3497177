/** Settings shared by the three platform adapters. */
export interface PlatformHttpOptions {
  /** axios timeout per platform call; the breaker's timeout is set a little above it */
  timeoutMs: number;
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
