import axios, { AxiosError, type AxiosInstance, type CreateAxiosDefaults, type InternalAxiosRequestConfig } from 'axios';
import { createOutboundAgents } from './outbound-agents';
import type { OutboundPolicy } from './outbound-policy';
import type { OutboundPurpose } from './outbound-purpose';

export const MIB = 1024 * 1024;
/** response size bounds (PLATFORM_MAX_RESPONSE_BYTES / ERP_MAX_RESPONSE_BYTES defaults) */
export const DEFAULT_PLATFORM_MAX_RESPONSE_BYTES = 8 * MIB;
export const DEFAULT_ERP_MAX_RESPONSE_BYTES = 4 * MIB;
export const DEFAULT_WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;

/** axios error codes set by the bounds (mappers turn them into UpstreamError) */
export const RESPONSE_TOO_LARGE = 'ERR_RESPONSE_TOO_LARGE';
export const TOTAL_TIMEOUT = 'ETIMEDOUT';

export interface OutboundAxiosOptions {
  policy: OutboundPolicy;
  purpose: OutboundPurpose;
  /**
   * the time limit of one exchange, connect to last byte (AbortSignal.timeout), and axios' idle timeout; a
   * request's own `timeout` (axios config) replaces it for that request
   */
  timeoutMs: number;
  /** sockets per host the agents open at most (default: no limit) */
  maxSockets?: number;
  /** largest response body accepted (bytes); a bigger one fails with code ERR_RESPONSE_TOO_LARGE */
  maxResponseBytes: number;
  /** largest request body sent (bytes); default the response bound */
  maxRequestBytes?: number;
  /** anything else for axios.create (baseURL, headers, transforms, validateStatus) */
  axios?: CreateAxiosDefaults;
}

const TOTAL = Symbol('outbound-total-timeout');
type BoundedConfig = InternalAxiosRequestConfig & { [TOTAL]?: { signal: AbortSignal; ms: number } };

/**
 * An axios instance with the outbound policy: the URL checked before each request (so a stored
 * URL refused since it was saved is still refused), SSRF-filtering agents that check the resolved
 * address on connect, redirects never followed, no proxy from the environment (a proxy would connect
 * for us, past the agents), response and request size bounds, and a total time bound — axios'
 * `timeout` alone is an idle timeout in Node, which a server trickling one byte a second never trips.
 */
export function createOutboundAxios(o: OutboundAxiosOptions): AxiosInstance {
  const agents = createOutboundAgents(o.policy, o.purpose, o.maxSockets !== undefined ? { maxSockets: o.maxSockets } : {});
  const http = axios.create({
    ...o.axios,
    timeout: o.timeoutMs,
    httpAgent: agents.http,
    httpsAgent: agents.https,
    maxRedirects: 0,
    proxy: false,
    maxContentLength: o.maxResponseBytes,
    maxBodyLength: o.maxRequestBytes ?? o.maxResponseBytes,
  });
  http.interceptors.request.use((config: BoundedConfig) => {
    o.policy.checkUrl(http.getUri(config), o.purpose);
    const ms = config.timeout || o.timeoutMs;
    const total = AbortSignal.timeout(ms);
    config[TOTAL] = { signal: total, ms };
    config.signal = config.signal ? AbortSignal.any([config.signal as AbortSignal, total]) : total;
    return config;
  });
  http.interceptors.response.use(undefined, (e: unknown) => {
    throw boundsError(e, o);
  });
  return http;
}

/** The bounds' failures as AxiosErrors with a clear message and code; everything else unchanged. */
function boundsError(e: unknown, o: OutboundAxiosOptions): unknown {
  if (!(e instanceof AxiosError)) return e;
  const total = (e.config as BoundedConfig | undefined)?.[TOTAL];
  if (e.code === AxiosError.ERR_CANCELED && total?.signal.aborted) {
    return new AxiosError(`total time limit of ${total.ms} ms exceeded`, TOTAL_TIMEOUT, e.config, e.request);
  }
  if (/maxContentLength size of \d+ exceeded/.test(e.message)) {
    return new AxiosError(`response larger than ${o.maxResponseBytes} bytes`, RESPONSE_TOO_LARGE, e.config, e.request);
  }
  return e;
}
