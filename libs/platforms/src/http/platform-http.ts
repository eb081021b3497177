import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { UpstreamError, type Platform } from '@app/contracts';
import { DEFAULT_PLATFORM_MAX_RESPONSE_BYTES, OutboundPolicy, createOutboundAxios, platformPurpose } from '@app/net';
import type { PlatformHttpOptions } from './platform-http.options';
import { parseBody } from './lossless';
import { httpStatusError, transportError } from './transport-errors';

/**
 * The axios instance every adapter uses: the outbound policy for this platform (its hosts only, the
 * address checked on connect, no redirects), the response bounded in size and total time, the body
 * kept as text (parsed later with lossless-json, never JSON.parse), every status resolved so the
 * adapter maps it, no axios retries.
 */
export function createPlatformAxios(platform: Platform, options: PlatformHttpOptions): AxiosInstance {
  return createOutboundAxios({
    policy: options.outbound ?? new OutboundPolicy(),
    purpose: platformPurpose(platform),
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_PLATFORM_MAX_RESPONSE_BYTES,
    axios: { responseType: 'text', transformResponse: [(d: unknown) => d], validateStatus: () => true },
  });
}

/**
 * One HTTP exchange: returns the losslessly parsed body of a 2xx response; maps network failures,
 * non-2xx statuses and unparseable bodies to UpstreamError.
 */
export async function exchange(upstream: string, http: AxiosInstance, req: AxiosRequestConfig, defaultWaitMs: number): Promise<unknown> {
  let status: number;
  let text: string;
  try {
    const res = await http.request<string>(req);
    status = res.status;
    text = typeof res.data === 'string' ? res.data : String(res.data ?? '');
  } catch (e) {
    throw transportError(upstream, e, defaultWaitMs);
  }
  if (status < 200 || status >= 300) throw httpStatusError(upstream, status, defaultWaitMs);
  try {
    return parseBody(text);
  } catch {
    throw new UpstreamError(upstream, 'retryable', `unparseable response body (HTTP ${status})`, { status });
  }
}
