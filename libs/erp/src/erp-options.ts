import type { OutboundPolicy } from '@app/net';
import type { AxiosAdapter } from 'axios';

/** Breaker tuning; defaults in DEFAULT_ERP_BREAKER. */
export interface ErpBreakerTuning {
  resetTimeoutMs?: number;
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
}

interface ErpCommonOptions {
  /** ERP base URL, e.g. `https://erp.example.com/omnisync` or a simulator's url */
  baseUrl: string;
  /** time limit per request, total and idle (default 5000 ms); the breaker times out 500 ms later */
  timeoutMs?: number;
  /**
   * the outbound URL policy (libs/net) the connector's requests follow: checked before each request
   * and on connect. Default: a policy without operator allowances (public addresses only).
   */
  outbound?: OutboundPolicy;
  /** largest ERP response accepted (default 4 MiB, ERP_MAX_RESPONSE_BYTES) */
  maxResponseBytes?: number;
  /** orders per pushOrders call (default and maximum 50) */
  maxBatch?: number;
  breaker?: ErpBreakerTuning;
  /**
   * axios adapter of the connector's instance (default: axios's own http adapter). The ERP connection
   * test-send uses it to record the exact request, and to stop it before the network on a dry run.
   */
  adapter?: AxiosAdapter;
}

export interface GenericHttpErpOptions extends ErpCommonOptions {
  connector: 'generic-http';
  /** shared HMAC secret */
  secret: string;
}

export interface JushuitanErpOptions extends ErpCommonOptions {
  connector: 'jushuitan';
  appKey: string;
  appSecret: string;
  accessToken: string;
  /**
   * our shop id -> Jushuitan shop number (店铺编号). Shops not listed are sent with our shop id
   * (as a number when it is all digits).
   */
  shopIdMap?: Record<string, string | number>;
}

export type ErpConnectorOptions = GenericHttpErpOptions | JushuitanErpOptions;

export const DEFAULT_ERP_TIMEOUT_MS = 5000;
export const DEFAULT_ERP_MAX_BATCH = 50;
export const DEFAULT_ERP_BREAKER: Required<ErpBreakerTuning> = {
  resetTimeoutMs: 10_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
};
