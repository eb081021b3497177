import type { OutboundPolicy } from '@app/net';
import type { BreakerOptions } from '@app/resilience';
import type { AxiosAdapter } from 'axios';

/** Breaker tuning; defaults in DEFAULT_ERP_BREAKER (BreakerOptions of @app/resilience says what each does). */
export interface ErpBreakerTuning {
  resetTimeoutMs?: number;
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
  rollingCountTimeoutMs?: number;
  consecutiveFailures?: number;
  slowCallMs?: number;
}

export interface ErpCommonOptions {
  /** ERP base URL, e.g. `https://erp.example.com/omnisync` or a simulator's url */
  baseUrl: string;
  /**
   * time limit of a call that brings none of its own, total and idle (default 5000 ms). Callers that adapt the
   * limit to the ERP's latency (order delivery) pass their own per call, up to timeoutMaxMs.
   */
  timeoutMs?: number;
  /** the longest limit a call may ask for (default: timeoutMs); the breaker times out 500 ms later */
  timeoutMaxMs?: number;
  /** HTTP sockets to the ERP at most (default DEFAULT_ERP_MAX_SOCKETS): calls beyond wait for a free one */
  maxSockets?: number;
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
export const DEFAULT_ERP_MAX_SOCKETS = 64;
/**
 * An ERP is called a few times a minute when it is slow (one 50-order batch per call), so the rate rule alone
 * (more than half of the calls in the window failed) needs a window that holds enough calls and a volume a
 * slow ERP reaches: 5 calls in 30 s. Three failures in a row open it whatever the volume, so an ERP that stops
 * answering opens its breaker one time limit after it stopped. A call slower than 20 s (the SLA's warning
 * mark) counts as a failure although its answer is kept.
 */
export const DEFAULT_ERP_BREAKER: Required<ErpBreakerTuning> = {
  resetTimeoutMs: 10_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingCountTimeoutMs: 30_000,
  consecutiveFailures: 3,
  slowCallMs: 20_000,
};

/** The bounds an ERP connector's calls run within (ErpConnector.limits). */
export interface ErpCallLimits {
  /** a call's limit when it brings none */
  timeoutMs: number;
  /** the longest limit a call may ask for */
  timeoutMaxMs: number;
  maxSockets: number;
}

export function erpCallLimits(o: Pick<ErpCommonOptions, 'timeoutMs' | 'timeoutMaxMs' | 'maxSockets'>): ErpCallLimits {
  const timeoutMs = o.timeoutMs ?? DEFAULT_ERP_TIMEOUT_MS;
  return { timeoutMs, timeoutMaxMs: Math.max(timeoutMs, o.timeoutMaxMs ?? timeoutMs), maxSockets: o.maxSockets ?? DEFAULT_ERP_MAX_SOCKETS };
}

/** The breaker of one ERP connector: tuned with the longest call limit (opossum's own timeout is 500 ms later). */
export function erpBreakerOptions(o: Pick<ErpCommonOptions, 'timeoutMs' | 'timeoutMaxMs' | 'breaker'>): BreakerOptions {
  return { requestTimeoutMs: erpCallLimits(o).timeoutMaxMs, ...DEFAULT_ERP_BREAKER, ...o.breaker };
}
