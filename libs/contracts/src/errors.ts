/**
 * One error taxonomy for every upstream (platforms, ERP). Callers branch on `kind` / `retryable`
 * and `retryAfterMs`; nobody outside an adapter parses vendor codes.
 */
export const UPSTREAM_ERROR_KINDS = [
  'retryable', // transient: 5xx, timeouts, platform busy
  'rate_limited', // flow control: wait retryAfterMs
  'circuit_open', // our breaker is open: wait retryAfterMs
  'auth_expired', // access token expired: refresh then retry once
  'auth_revoked', // authorisation gone: shop needs re-authorisation
  'invalid_request', // caller's fault: never retry
  'not_found',
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

export class UpstreamError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly upstream: string,
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly details: { code?: string; subCode?: string; status?: number; retryAfterMs?: number } = {},
  ) {
    super(`${upstream}: ${kind}: ${message}`);
    this.name = 'UpstreamError';
    this.retryable = kind === 'retryable' || kind === 'rate_limited' || kind === 'circuit_open';
  }
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
}

export function isUpstreamError(e: unknown): e is UpstreamError {
  return e instanceof UpstreamError;
}
