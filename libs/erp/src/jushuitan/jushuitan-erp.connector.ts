import type { AxiosInstance } from 'axios';
import { UpstreamError } from '@app/contracts';
import { canonicalJson, jushuitanSign } from '@app/platforms';
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
  type JushuitanErpOptions,
} from '../erp-options';
import { observeUpstreamCall } from '@app/observability';
import { BreakerRegistry } from '@app/resilience';
import { callTimeoutMs, createErpAxios, toUpstreamError } from '../internal/http-errors';
import { toJstInterception, toJstUploadOrder, type JstUploadOrder } from './jushuitan.mapping';

const UPSTREAM = 'erp';
/** breaker key in the BreakerRegistry */
export const JUSHUITAN_BREAKER_KEY = 'erp:jushuitan';
export const JST_ORDERS_UPLOAD_PATH = '/open/jushuitan/orders/upload';
/** Assumed: Jushuitan documents no hard cap for one upload call; 50 keeps one call small and fast. */
export const JST_MAX_BATCH = DEFAULT_ERP_MAX_BATCH;

interface JstUploadResult {
  o_id?: number | string;
  so_id?: string;
  issuccess?: boolean;
  msg?: string;
}
interface JstEnvelope {
  code?: number;
  msg?: string;
  data?: { datas?: JstUploadResult[] } | null;
}

/** Jushuitan envelope code -> UpstreamError (PROTOCOLS.md 4.3). Unknown codes are treated as transient. */
export function jushuitanCodeError(code: number, msg: string): UpstreamError {
  const details = { code: String(code) };
  switch (code) {
    case 10:
      return new UpstreamError(UPSTREAM, 'invalid_request', `invalid signature: ${msg}`, details);
    case 100:
      return new UpstreamError(UPSTREAM, 'auth_expired', `access_token invalid or expired: ${msg}`, details);
    case 110:
      return new UpstreamError(UPSTREAM, 'auth_revoked', `caller IP not whitelisted: ${msg}`, details);
    case 140:
      // our clock is off: retrying after NTP fixes it beats dropping the order
      return new UpstreamError(UPSTREAM, 'retryable', `timestamp outside ±15 min: ${msg}`, details);
    case 150:
      return new UpstreamError(UPSTREAM, 'auth_revoked', `token refresh not allowed, re-authorise: ${msg}`, details);
    case 190:
      return new UpstreamError(UPSTREAM, 'auth_revoked', `no permission for this API: ${msg}`, details);
    case 199:
      return new UpstreamError(UPSTREAM, 'rate_limited', `more than 5 requests/s: ${msg}`, { ...details, retryAfterMs: 1000 });
    case 200:
      return new UpstreamError(UPSTREAM, 'rate_limited', `more than 100 requests/min: ${msg}`, { ...details, retryAfterMs: 60_000 });
    default:
      return new UpstreamError(UPSTREAM, 'retryable', `code ${code}: ${msg}`, details);
  }
}

/**
 * Jushuitan (聚水潭) open API: orders go in through /open/jushuitan/orders/upload, which upserts by
 * (shop_id, so_id). Our idempotency key travels in `remark` (see libs/erp/README.md).
 */
export class JushuitanErpConnector extends ErpConnector {
  readonly name = 'jushuitan';
  readonly maxBatch: number;
  override readonly limits: ErpCallLimits;
  private readonly http: AxiosInstance;
  private readonly breakers: BreakerRegistry;
  private readonly ownsBreakers: boolean;

  constructor(private readonly opts: Omit<JushuitanErpOptions, 'connector'>,
    breakers?: BreakerRegistry,
  ) {
    super();
    if (!opts.appKey || !opts.appSecret || !opts.accessToken) {
      throw new Error('jushuitan ERP connector needs appKey, appSecret and accessToken');
    }
    this.limits = erpCallLimits(opts);
    this.maxBatch = opts.maxBatch ?? JST_MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new Error(`maxBatch must be a positive integer: ${this.maxBatch}`);
    this.http = createErpAxios(opts, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
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
    const datas = await this.upload(orders.map((o) => toJstUploadOrder(o, this.opts.shopIdMap)), call);
    // results carry so_id only; hand them out in order per so_id (one batch may hold two versions of one order)
    const bySoId = new Map<string, JstUploadResult[]>();
    for (const d of datas) {
      const key = String(d.so_id ?? '');
      bySoId.set(key, [...(bySoId.get(key) ?? []), d]);
    }
    return orders.map((o): ErpPushResult => {
      const d = bySoId.get(o.order.platformOrderId)?.shift();
      return this.toResult(o.idempotencyKey, d);
    });
  }

  async intercept(req: ErpInterception, call?: ErpCallOptions): Promise<{ ok: true } | { ok: false; error: UpstreamError }> {
    const [d] = await this.upload([toJstInterception(req, this.opts.shopIdMap)], call);
    const r = this.toResult(req.idempotencyKey, d);
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }

  /** Jushuitan has no endpoint for our shipment outcomes (it ships through its own platform links): a no-op. */
  async notifyShipment(_notice: ErpShipmentNotice): Promise<void> {
    return;
  }

  /** Nest lifecycle hook (duck-typed): shuts the breaker down when this connector owns it. */
  onModuleDestroy(): void {
    if (this.ownsBreakers) this.breakers.shutdown();
  }

  private toResult(idempotencyKey: string, d: JstUploadResult | undefined): ErpPushResult {
    if (!d) return { idempotencyKey, ok: false, error: new UpstreamError(UPSTREAM, 'retryable', 'order missing from response') };
    if (d.issuccess !== true) {
      return {
        idempotencyKey,
        ok: false,
        error: new UpstreamError(UPSTREAM, 'invalid_request', `order rejected: ${d.msg ?? 'no message'}`, { code: 'issuccess_false' }),
      };
    }
    if (d.o_id === undefined || d.o_id === null || d.o_id === '') {
      return { idempotencyKey, ok: false, error: new UpstreamError(UPSTREAM, 'retryable', 'success without o_id') };
    }
    return { idempotencyKey, ok: true, erpOrderId: String(d.o_id), duplicate: /duplicate|重复/i.test(d.msg ?? '') };
  }

  private upload(orders: JstUploadOrder[], call?: ErpCallOptions): Promise<JstUploadResult[]> {
    const timeout = callTimeoutMs(this.limits, call?.timeoutMs);
    // counted once per call, breaker refusals included (omnisync_upstream_requests_total{upstream="erp"})
    return observeUpstreamCall(UPSTREAM, 'orders.upload', () => this.breakers.exec(JUSHUITAN_BREAKER_KEY, async () => {
      const form: Record<string, string> = {
        app_key: this.opts.appKey,
        access_token: this.opts.accessToken,
        timestamp: String(Math.floor(Date.now() / 1000)),
        charset: 'utf-8',
        version: '2',
        biz: canonicalJson(orders),
      };
      form.sign = jushuitanSign(form, this.opts.appSecret);
      let body: JstEnvelope;
      try {
        const res = await this.http.post(JST_ORDERS_UPLOAD_PATH, new URLSearchParams(form).toString(), { timeout });
        body = res.data as JstEnvelope;
      } catch (err) {
        throw toUpstreamError(UPSTREAM, err);
      }
      if (typeof body !== 'object' || body === null || typeof body.code !== 'number') {
        throw new UpstreamError(UPSTREAM, 'retryable', 'response is not a Jushuitan envelope');
      }
      if (body.code !== 0) {
        throw jushuitanCodeError(body.code, body.msg ?? '');
      }
      return body.data?.datas ?? [];
    }));
  }
}
