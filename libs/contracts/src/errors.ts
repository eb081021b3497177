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
  /** set by upsertProduct when the platform created (part of) the listing before the failure */
  partialListing?: PartialListing;
}

export class UpstreamError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly upstream: string,
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly details: UpstreamErrorDetails = {},
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
