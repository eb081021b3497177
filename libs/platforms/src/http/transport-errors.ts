import { AxiosError } from 'axios';
import { UpstreamError, isUpstreamError } from '@app/contracts';

/**
 * Transport-level failures (no usable platform envelope) to UpstreamError: network errors,
 * timeouts, 5xx and 408 are retryable; 429 is flow control; other 4xx are the caller's fault.
 */
export function transportError(upstream: string, e: unknown, defaultWaitMs: number): UpstreamError {
  if (isUpstreamError(e)) return e;
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
