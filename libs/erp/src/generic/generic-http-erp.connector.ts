import type { AxiosInstance } from 'axios';
import { UpstreamError } from '@app/contracts';
import {
  ErpConnector,
  type ErpCallOptions,
  type ErpInterception,
  type ErpOrderEnvelope,
  type ErpPushResult,
  type ErpShipmentNotice,
} from '../erp-connector.port';
import {
  DEFAULT_ERP_MAX_BATCH,
  erpBreakerOptions,
  erpCallLimits,
  type ErpCallLimits,
  type GenericHttpErpOptions,
} from '../erp-options';
import { observeUpstreamCall } from '@app/observability';
import { BreakerRegistry } from '@app/resilience';
import { callTimeoutMs, createErpAxios, toUpstreamError } from '../internal/http-errors';
import {
  GENERIC_IDEMPOTENCY_HEADER,
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  signGenericRequest,
} from './generic-signature';
import type {
  GenericErrorBody,
  GenericInterceptRequest,
  GenericInterceptResponse,
  GenericOrderResult,
  GenericOrdersRequest,
  GenericOrdersResponse,
  GenericShipmentNoticeRequest,
} from './generic-http.wire';

const UPSTREAM = 'erp';
/** breaker key in the BreakerRegistry */
export const GENERIC_HTTP_BREAKER_KEY = 'erp:generic-http';
/** the `method` label of each endpoint's calls */
const GENERIC_METHODS: Record<string, string> = { '/orders': 'push_orders', '/orders/intercept': 'intercept', '/shipments/notices': 'notify_shipment' };

function errorFromBody(e: GenericErrorBody): UpstreamError {
  return new UpstreamError(UPSTREAM, e.retryable ? 'retryable' : 'invalid_request', e.message, { code: e.code });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Signed JSON over HTTPS to the merchant's own ERP endpoint (protocol: libs/erp/README.md).
 * No axios retries: BullMQ owns retries, and every retried POST carries the same idempotency key.
 */
export class GenericHttpErpConnector extends ErpConnector {
  readonly name = 'generic-http';
  readonly maxBatch: number;
  override readonly limits: ErpCallLimits;
  private readonly http: AxiosInstance;
  private readonly breakers: BreakerRegistry;
  private readonly ownsBreakers: boolean;

  constructor(private readonly opts: Omit<GenericHttpErpOptions, 'connector'>,
    breakers?: BreakerRegistry,
  ) {
    super();
    if (!opts.secret) throw new Error('generic-http ERP connector needs a secret');
    this.limits = erpCallLimits(opts);
    this.maxBatch = opts.maxBatch ?? DEFAULT_ERP_MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new Error(`maxBatch must be a positive integer: ${this.maxBatch}`);
    this.http = createErpAxios(opts, {
      headers: { 'Content-Type': 'application/json' },
      // the signed bytes are the sent bytes: never let axios re-serialise
      transformRequest: [(data: unknown) => data],
      validateStatus: (s) => s >= 200 && s < 300,
      ...(opts.adapter ? { adapter: opts.adapter } : {}),
    });
    // one breaker per upstream: the app's shared registry when given, else one owned by this connector
    this.ownsBreakers = breakers === undefined;
    this.breakers = breakers ?? new BreakerRegistry(erpBreakerOptions(opts));
  }

  async pushOrders(orders: ErpOrderEnvelope[], call?: ErpCallOptions): Promise<ErpPushResult[]> {
    if (orders.length === 0) return [];
    if (orders.length > this.maxBatch) {
      throw new UpstreamError(UPSTREAM, 'invalid_request', `batch of ${orders.length} exceeds maxBatch ${this.maxBatch}`);
    }
    const body: GenericOrdersRequest = {
      orders: orders.map((o) => ({ idempotencyKey: o.idempotencyKey, orderId: o.orderId, version: o.version, order: o.order })),
    };
    const data = await this.post('/orders', body, orders.length === 1 ? orders[0].idempotencyKey : undefined, call);
    if (!isObject(data) || !Array.isArray(data.results)) {
      throw new UpstreamError(UPSTREAM, 'retryable', 'response without results[]');
    }
    const byKey = new Map<string, GenericOrderResult>();
    for (const r of data.results as GenericOrderResult[]) {
      if (isObject(r) && typeof r.idempotencyKey === 'string') byKey.set(r.idempotencyKey, r);
    }
    return orders.map((o): ErpPushResult => {
      const r = byKey.get(o.idempotencyKey);
      if (!r) {
        return { idempotencyKey: o.idempotencyKey, ok: false, error: new UpstreamError(UPSTREAM, 'retryable', 'order missing from response') };
      }
      if ('error' in r && isObject(r.error)) return { idempotencyKey: o.idempotencyKey, ok: false, error: errorFromBody(r.error) };
      if ('erpOrderId' in r && typeof r.erpOrderId === 'string' && r.erpOrderId !== '') {
        const acceptedAt = typeof r.acceptedAt === 'string' && !Number.isNaN(Date.parse(r.acceptedAt)) ? new Date(r.acceptedAt).toISOString() : undefined;
        return { idempotencyKey: o.idempotencyKey, ok: true, erpOrderId: r.erpOrderId, duplicate: r.duplicate === true, ...(acceptedAt ? { acceptedAt } : {}) };
      }
      return { idempotencyKey: o.idempotencyKey, ok: false, error: new UpstreamError(UPSTREAM, 'retryable', 'malformed result') };
    });
  }

  async intercept(req: ErpInterception, call?: ErpCallOptions): Promise<{ ok: true } | { ok: false; error: UpstreamError }> {
    const body: GenericInterceptRequest = req;
    const data = (await this.post('/orders/intercept', body, req.idempotencyKey, call)) as GenericInterceptResponse | undefined;
    if (isObject(data) && 'error' in data && isObject(data.error)) return { ok: false, error: errorFromBody(data.error) };
    return { ok: true };
  }

  async notifyShipment(notice: ErpShipmentNotice): Promise<void> {
    const idempotencyKey = `shipment-${notice.orderId}-${notice.outcome}`;
    const body: GenericShipmentNoticeRequest = { ...notice, idempotencyKey };
    const data = (await this.post('/shipments/notices', body, idempotencyKey)) as { error?: GenericErrorBody } | undefined;
    if (isObject(data) && isObject(data.error)) throw errorFromBody(data.error);
  }

  /** Nest lifecycle hook (duck-typed): shuts the breaker down when this connector owns it. */
  onModuleDestroy(): void {
    if (this.ownsBreakers) this.breakers.shutdown();
  }

  private post(path: string, payload: unknown, idempotencyKey: string | undefined, call?: ErpCallOptions): Promise<unknown> {
    const timeout = callTimeoutMs(this.limits, call?.timeoutMs);
    // counted once per call, breaker refusals included (omnisync_upstream_requests_total{upstream="erp"})
    return observeUpstreamCall(UPSTREAM, GENERIC_METHODS[path] ?? path, () => this.breakers.exec(GENERIC_HTTP_BREAKER_KEY, async () => {
      const raw = JSON.stringify(payload);
      const ts = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        [GENERIC_TIMESTAMP_HEADER]: ts,
        [GENERIC_SIGNATURE_HEADER]: signGenericRequest(this.opts.secret, ts, raw),
      };
      if (idempotencyKey !== undefined) headers[GENERIC_IDEMPOTENCY_HEADER] = idempotencyKey;
      try {
        const res = await this.http.post(path, raw, { headers, timeout });
        return res.data as unknown;
      } catch (err) {
        throw toUpstreamError(UPSTREAM, err);
      }
    }));
  }
}
