import { HttpException, ServiceUnavailableException } from '@nestjs/common';
import axios, { type AxiosInstance } from 'axios';
import { currentRequestId } from '@app/observability';

/** The header that carries the authenticated caller's merchant to internal services. */
export const MERCHANT_HEADER = 'x-omnisync-merchant-id';

export interface ForwardRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  merchantId: string;
}

/**
 * Forwards an authenticated request to an internal service (order-sync, catalog-sync). The gateway
 * has already checked the API key and role; the service scopes by the merchant header. The service's
 * status and body are passed through (its 400s name the field); an unreachable service is a 503.
 */
export class ServiceForwarder {
  private readonly http: AxiosInstance;

  constructor(
    readonly service: string,
    baseUrl: string,
    timeoutMs: number,
  ) {
    this.http = axios.create({ baseURL: baseUrl, timeout: timeoutMs, validateStatus: () => true, maxRedirects: 0 });
  }

  async forward<T = unknown>(req: ForwardRequest): Promise<T> {
    let res;
    try {
      res = await this.http.request({
        method: req.method,
        url: req.path,
        params: req.query,
        data: req.body,
        headers: { [MERCHANT_HEADER]: req.merchantId, 'x-request-id': currentRequestId() ?? '' },
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
