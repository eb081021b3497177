import { isAxiosError } from 'axios';
import { UpstreamError } from '@app/contracts';

const DEFAULT_RETRY_AFTER_MS = 1000;

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, nowMs = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function bodyMessage(data: unknown): { code?: string; message?: string } {
  if (data && typeof data === 'object' && 'error' in data) {
    const e = (data as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      code: typeof e?.code === 'string' ? e.code : undefined,
      message: typeof e?.message === 'string' ? e.message : undefined,
    };
  }
  return {};
}

/**
 * Maps an axios failure to UpstreamError: 5xx, 408, timeouts and network errors are retryable;
 * 429 is rate_limited (Retry-After -> retryAfterMs); 401/403 auth_revoked; other 4xx invalid_request.
 * Anything that is not an axios error is a bug on our side and is rethrown unchanged.
 */
export function toUpstreamError(upstream: string, err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (!isAxiosError(err)) throw err;
  const res = err.response;
  if (!res) {
    const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
    return new UpstreamError(upstream, 'retryable', timedOut ? `timeout: ${err.message}` : `network: ${err.message}`, {
      code: err.code,
    });
  }
  const status = res.status;
  const { code, message } = bodyMessage(res.data);
  const text = `HTTP ${status}${message ? `: ${message}` : ''}`;
  if (status === 429) {
    return new UpstreamError(upstream, 'rate_limited', text, {
      status,
      code,
      retryAfterMs: parseRetryAfter(res.headers?.['retry-after']) ?? DEFAULT_RETRY_AFTER_MS,
    });
  }
  if (status === 401 || status === 403) return new UpstreamError(upstream, 'auth_revoked', text, { status, code });
  if (status === 408 || status >= 500) return new UpstreamError(upstream, 'retryable', text, { status, code });
  return new UpstreamError(upstream, 'invalid_request', text, { status, code });
}
