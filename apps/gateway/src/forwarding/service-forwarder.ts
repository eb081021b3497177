import { HttpException, ServiceUnavailableException } from '@nestjs/common';
import axios, { type AxiosInstance } from 'axios';
import { currentRequestId } from '@app/observability';
import { MERCHANT_HEADER, signServiceCall } from '@app/service-auth';

/** The header that carries the authenticated caller's merchant to internal services (signed, see @app/service-auth). */
export { MERCHANT_HEADER };

export interface ForwardRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  merchantId: string;
  roles?: readonly string[];
}

/** `?a=1&b=x` from a parsed query (arrays repeat the key; nested objects, which no forwarded route takes, are dropped) */
export function queryString(query: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item === undefined || item === null || typeof item === 'object') continue;
      params.append(k, String(item));
    }
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * Forwards an authenticated request to an internal service (order-sync, catalog-sync, coupon). The gateway has already
 * checked the API key and role; each call is signed with INTERNAL_SERVICE_SECRET over method, path and query,
 * merchant, roles, time, a nonce and the body's hash (the service takes the merchant from that signature only).
 * The URL and body bytes are built here so that what is signed is exactly what is sent. The service's status
 * and body are passed through (its 400s name the field); an unreachable service is a 503.
 */
export class ServiceForwarder {
  private readonly http: AxiosInstance;

  constructor(
    readonly service: string,
    baseUrl: string,
    timeoutMs: number,
    private readonly secret: string,
  ) {
    this.http = axios.create({ baseURL: baseUrl, timeout: timeoutMs, validateStatus: () => true, maxRedirects: 0 });
  }

  async forward<T = unknown>(req: ForwardRequest): Promise<T> {
    const url = `${req.path}${queryString(req.query)}`;
    const body = req.body === undefined ? null : JSON.stringify(req.body);
    const signed = signServiceCall(this.secret, { method: req.method, pathAndQuery: url, merchantId: req.merchantId, roles: req.roles, body });
    let res;
    try {
      res = await this.http.request({
        method: req.method,
        url,
        data: body ?? undefined,
        headers: { ...signed, ...(body === null ? {} : { 'content-type': 'application/json' }), 'x-request-id': currentRequestId() ?? '' },
      });
    } catch (e) {
      throw new ServiceUnavailableException(`${this.service} is unavailable (${e instanceof Error ? e.message : String(e)})`);
    }
    if (res.status >= 400) {
      throw new HttpException(res.data ?? { statusCode: res.status, message: `${this.service} answered ${res.status}` }, res.status);
    }
    return res.data as T;
  }
}
