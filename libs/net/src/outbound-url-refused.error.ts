import type { OutboundPurpose } from './outbound-purpose';

/** Why a URL or a resolved address was refused; part of the error's message and its `reason`. */
export type OutboundRefusalReason =
  | 'invalid_url'
  | 'scheme'
  | 'userinfo'
  | 'host_name'
  | 'not_platform_host'
  | 'address'
  | 'dns';

/**
 * An outbound URL (at save) or connection (at send) that the policy refuses. Callers that take the URL
 * from a request map it to 400 naming the field; the message names why, never a response body.
 */
export class OutboundUrlRefusedError extends Error {
  readonly code = 'outbound_url_refused';
  readonly retryable = false;

  constructor(
    readonly reason: OutboundRefusalReason,
    readonly purpose: OutboundPurpose,
    detail: string,
  ) {
    super(`outbound URL refused for ${purpose}: ${detail}`);
    this.name = 'OutboundUrlRefusedError';
  }
}

export function isOutboundUrlRefusedError(e: unknown): e is OutboundUrlRefusedError {
  return e instanceof OutboundUrlRefusedError;
}

/** The refusal behind an error, if any: thrown directly (URL check) or wrapped by axios as `cause` (connect check). */
export function outboundRefusalOf(e: unknown): OutboundUrlRefusedError | null {
  if (isOutboundUrlRefusedError(e)) return e;
  const cause = (e as { cause?: unknown } | null)?.cause;
  return isOutboundUrlRefusedError(cause) ? cause : null;
}
