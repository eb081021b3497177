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

/**
 * What a platform already holds when a product create/update failed part-way: the product exists
 * (created by this call or before it) and these SKUs (by our ERP code) have platform ids. The caller
 * must store it before retrying, so the retry updates this product instead of creating a second one.
 */
export interface PartialListing {
  platformProductId: string;
  skus: { skuCode: string; platformSkuId: string }[];
}

export interface UpstreamErrorDetails {
  code?: string;
  subCode?: string;
  status?: number;
  retryAfterMs?: number;
  /** our own quota limiter's refusals (OWN_QUOTA_CODE): the quota, calls per second, of the key refused */
  quotaPerSec?: number;
  /** set by upsertProduct when the platform created (part of) the listing before the failure */
  partialListing?: PartialListing;
  /** with code UNKNOWN_STATUS_CODE: the platform's order status we have no mapping for */
  platformStatus?: string;
}

/** the longest message an UpstreamError carries (what reaches lastError columns and API answers) */
export const MAX_UPSTREAM_MESSAGE_CHARS = 200;
/** the longest error text stored in a last_error column (kind + an UpstreamError's message, or our own error) */
export const MAX_STORED_ERROR_CHARS = 300;

/**
 * Text fit to store or show: control characters and runs of whitespace become one space, and it is cut
 * to `max` characters (an ellipsis marks the cut). For messages that may carry upstream text.
 */
export function boundText(text: string, max: number = MAX_UPSTREAM_MESSAGE_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/**
 * A failure of an upstream call. The message is ours: built from the kind, HTTP status and the
 * upstream's error code, plus at most a short, bounded piece of the upstream's own error message —
 * never a response body (every message is passed through boundText).
 */
export class UpstreamError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly upstream: string,
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly details: UpstreamErrorDetails = {},
  ) {
    super(`${upstream}: ${kind}: ${boundText(message)}`);
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

/**
 * `details.code` of the `rate_limited` errors OUR OWN limiter raises when a call would exceed the platform's
 * stated quota (per API per shop, PLATFORM_QPS_PER_SHOP), as opposed to the platform itself throttling us.
 * Stored failures say `platform_quota:` instead of `rate_limited:` (describeError), so the SLA ledger can tell
 * "the quota is the ceiling" (cause platform_quota) from "the platform pushed back" (platform_throttled).
 */
export const OWN_QUOTA_CODE = 'platform_quota';

/** a refusal by our own quota limiter (see OWN_QUOTA_CODE); still kind rate_limited: it waits, no attempt spent */
export function isOwnQuotaLimit(e: unknown): boolean {
  return isUpstreamError(e) && e.kind === 'rate_limited' && e.details.code === OWN_QUOTA_CODE;
}

/**
 * `details.code` of the `invalid_request` error an adapter raises for an order whose platform status has no
 * canonical mapping (a status the platform added or we never saw). The order cannot be applied, but the rest of
 * its page can: list pages report such orders in `OrderPage.unmapped` instead of throwing, and the apps record
 * and skip them (order_sync.orders_refused, reason `unknown_status`).
 */
export const UNKNOWN_STATUS_CODE = 'unknown_status';

export function isUnknownStatus(e: unknown): e is UpstreamError & { details: { code: typeof UNKNOWN_STATUS_CODE; platformStatus?: string } } {
  return isUpstreamError(e) && e.details.code === UNKNOWN_STATUS_CODE;
}

/**
 * A failure as stored in a last_error column and shown by the ops APIs: bounded, sanitised, never an upstream
 * body. `<kind>: <message>`, where kind is the UpstreamError kind, `platform_quota` for our own quota limiter's
 * refusals (OWN_QUOTA_CODE), or `error` for anything else.
 */
export function describeError(e: unknown): string {
  if (isOwnQuotaLimit(e)) return boundText(`${OWN_QUOTA_CODE}: ${(e as UpstreamError).message}`, MAX_STORED_ERROR_CHARS);
  if (isUpstreamError(e)) return boundText(`${e.kind}: ${e.message}`, MAX_STORED_ERROR_CHARS);
  return boundText(`error: ${e instanceof Error ? e.message : String(e)}`, MAX_STORED_ERROR_CHARS);
}

/**
 * The same failure (kind, message, codes, retry hint) carrying what the platform already created. A
 * non-UpstreamError (a bug or a malformed answer after the create) becomes a retryable UpstreamError.
 */
export function withPartialListing(e: unknown, upstream: string, partial: PartialListing): UpstreamError {
  const skus = partial.skus.map((s) => ({ skuCode: s.skuCode, platformSkuId: s.platformSkuId }));
  const carried = { platformProductId: partial.platformProductId, skus };
  if (isUpstreamError(e)) {
    const out = new UpstreamError(e.upstream, e.kind, stripPrefix(e), { ...e.details, partialListing: carried });
    out.stack = e.stack;
    return out;
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new UpstreamError(upstream, 'retryable', `after creating product ${partial.platformProductId}: ${msg}`, { partialListing: carried });
}

/** the partial listing an upsertProduct failure carries, if any */
export function partialListingOf(e: unknown): PartialListing | null {
  return isUpstreamError(e) ? (e.details.partialListing ?? null) : null;
}

/** the message as passed to the constructor (without the "upstream: kind: " prefix it adds) */
function stripPrefix(e: UpstreamError): string {
  const prefix = `${e.upstream}: ${e.kind}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}
