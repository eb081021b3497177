import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { UpstreamError } from '@app/contracts';
import { parseBody } from './lossless';
import { httpStatusError, transportError } from './transport-errors';

/**
 * The axios instance every adapter uses: explicit timeout, the body kept as text (parsed later with
 * lossless-json, never JSON.parse), every status resolved so the adapter maps it, no axios retries.
 */
export function createPlatformAxios(timeoutMs: number): AxiosInstance {
  return axios.create({
    timeout: timeoutMs,
    responseType: 'text',
    transformResponse: [(d: unknown) => d],
    validateStatus: () => true,
    maxRedirects: 0,
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
