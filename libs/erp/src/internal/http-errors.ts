import { isAxiosError } from 'axios';
import { UpstreamError } from '@app/contracts';
import { DEFAULT_ERP_MAX_RESPONSE_BYTES, OutboundPolicy, RESPONSE_TOO_LARGE, TOTAL_TIMEOUT, createOutboundAxios, outboundRefusalOf } from '@app/net';
import type { CreateAxiosDefaults, AxiosInstance } from 'axios';
import { DEFAULT_ERP_TIMEOUT_MS, erpCallLimits, type ErpCallLimits, type ErpConnectorOptions } from '../erp-options';

/** The connectors' axios: the outbound policy for ERPs (public addresses, checked on connect), no redirects, bounded size and total time. */
export function createErpAxios(opts: Omit<ErpConnectorOptions, 'connector'>, config: CreateAxiosDefaults): AxiosInstance {
  return createOutboundAxios({
    policy: opts.outbound ?? new OutboundPolicy(),
    purpose: 'erp',
    timeoutMs: opts.timeoutMs ?? DEFAULT_ERP_TIMEOUT_MS,
    maxSockets: erpCallLimits(opts).maxSockets,
    maxResponseBytes: opts.maxResponseBytes ?? DEFAULT_ERP_MAX_RESPONSE_BYTES,
    axios: { ...config, baseURL: opts.baseUrl.replace(/\/+$/, '') },
  });
}

/** a call's time limit: its own (clamped to the connector's maximum) or the connector's default */
export function callTimeoutMs(limits: ErpCallLimits, own: number | undefined): number {
  return own === undefined ? limits.timeoutMs : Math.min(Math.max(Math.round(own), 1), limits.timeoutMaxMs);
}

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
 * 429 is rate_limited (Retry-After -> retryAfterMs); 401/403 auth_revoked; other 4xx invalid_request;
 * a URL or address the outbound policy refuses and an oversized response are invalid_request.
 * Messages carry the status and the ERP's error code and short message (bounded), never the body.
 * Anything else that is not an axios error is a bug on our side and is rethrown unchanged.
 */
export function toUpstreamError(upstream: string, err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const refused = outboundRefusalOf(err);
  if (refused) return new UpstreamError(upstream, 'invalid_request', refused.message, { code: refused.code });
  if (!isAxiosError(err)) throw err;
  if (err.code === RESPONSE_TOO_LARGE) return new UpstreamError(upstream, 'invalid_request', err.message, { code: 'response_too_large' });
  const res = err.response;
  if (!res) {
    const timedOut = err.code === 'ECONNABORTED' || err.code === TOTAL_TIMEOUT;
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
