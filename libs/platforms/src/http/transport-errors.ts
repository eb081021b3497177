import { AxiosError } from 'axios';
import { UpstreamError, isUpstreamError } from '@app/contracts';
import { RESPONSE_TOO_LARGE, TOTAL_TIMEOUT, outboundRefusalOf } from '@app/net';

/**
 * Transport-level failures (no usable platform envelope) to UpstreamError: network errors,
 * timeouts, 5xx and 408 are retryable; 429 is flow control; other 4xx are the caller's fault; a URL or
 * address the outbound policy refuses and an oversized response are permanent (invalid_request).
 * Messages carry our codes only, never the response body.
 */
export function transportError(upstream: string, e: unknown, defaultWaitMs: number): UpstreamError {
  if (isUpstreamError(e)) return e;
  const refused = outboundRefusalOf(e);
  if (refused) return new UpstreamError(upstream, 'invalid_request', refused.message, { code: refused.code });
  if (e instanceof AxiosError && e.code === RESPONSE_TOO_LARGE) {
    return new UpstreamError(upstream, 'invalid_request', e.message, { code: 'response_too_large' });
  }
  if (e instanceof AxiosError && e.code === TOTAL_TIMEOUT && e.response === undefined) {
    return new UpstreamError(upstream, 'retryable', e.message, { code: TOTAL_TIMEOUT });
  }
  if (e instanceof AxiosError) {
    const status = e.response?.status;
    if (status === undefined) {
      return new UpstreamError(upstream, 'retryable', `network error ${e.code ?? ''}`.trim(), { code: e.code });
    }
    return httpStatusError(upstream, status, defaultWaitMs, retryAfterHeader(e.response?.headers?.['retry-after']));
  }
  return new UpstreamError(upstream, 'retryable', `transport failure: ${(e as Error)?.message ?? String(e)}`);
}

export function httpStatusError(upstream: string, status: number, defaultWaitMs: number, retryAfterMs?: number): UpstreamError {
  if (status === 429) return new UpstreamError(upstream, 'rate_limited', 'HTTP 429', { status, retryAfterMs: retryAfterMs ?? defaultWaitMs });
  if (status >= 500 || status === 408) return new UpstreamError(upstream, 'retryable', `HTTP ${status}`, { status });
  if (status === 404) return new UpstreamError(upstream, 'not_found', `HTTP ${status}`, { status });
  return new UpstreamError(upstream, 'invalid_request', `HTTP ${status}`, { status });
}

function retryAfterHeader(v: unknown): number | undefined {
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}
