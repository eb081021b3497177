import { createHash } from 'node:crypto';
import { OWN_QUOTA_CODE, UNKNOWN_STATUS_CODE, UpstreamError, type CanonicalOrder, type OrderPage, type OrderStatus, type Platform, type ShipmentRequest } from '@app/contracts';
import {
  PlatformAdapter,
  type AppSecretLookup,
  type OrderListQuery,
  type PlatformCapabilities,
  type PushMessage,
  type PushRequest,
  type PushVerification,
  type ShopContext,
  type TokenSet,
} from '@app/platforms';

/** Body of a fake push: a JSON array of these. */
export interface FakePushItem {
  msgId: string;
  shopId: string;
  orderId: string;
  /** ISO update time of the event */
  updatedAt: string;
}

export function fakeSign(appKey: string, body: Buffer | string, secret: string): string {
  return createHash('sha256').update(`${appKey}${body.toString()}${secret}`).digest('hex');
}

export function buildOrder(p: { shopId: string; platform?: Platform; id: string; status: OrderStatus; updatedAt: string; paidAt?: string | null; createdAt?: string }): CanonicalOrder {
  const created = p.createdAt ?? new Date(Date.parse(p.updatedAt) - 60_000).toISOString();
  return {
    platform: p.platform ?? 'douyin',
    shopId: p.shopId,
    platformOrderId: p.id,
    status: p.status,
    platformStatus: `S-${p.status}`,
    createdAt: created,
    paidAt: p.paidAt !== undefined ? p.paidAt : p.status === 'pending_payment' ? null : created,
    updatedAt: p.updatedAt,
    cashOnDelivery: false,
    totalFen: 1990,
    paidFen: 1990,
    shippingFen: 0,
    discountFen: 0,
    buyer: { nickMasked: 'b***', receiverMasked: 'R**', phoneMasked: '138****0000', addressMasked: 'Hangzhou ***' },
    items: [
      { lineId: `${p.id}-1`, platformProductId: 'p1', platformSkuId: 's1', erpSkuCode: 'SKU-1', title: 'tea', quantity: 1, unitPriceFen: 1990, paidFen: 1990, discountFen: 0 },
    ],
    refundStatus: p.status === 'refunded' ? 'refunded' : p.status === 'refunding' ? 'requested' : 'none',
  };
}

/**
 * A PlatformAdapter double. Orders live in `history` (every snapshot per order id); `getOrder` returns the
 * snapshot as of the requested update time when `asOf` is set for it (simulating lagging reads), else the
 * latest. Errors are injected with `failWith`.
 */
export class FakePlatformAdapter extends PlatformAdapter {
  readonly capabilities: PlatformCapabilities = {
    stockDelta: false,
    tokenRefresh: false,
    pushTransport: 'http',
    orderListMaxWindowSec: 1800,
    orderListPagesBackward: false,
    orderListMaxPageSize: 100,
    orderListIncludesDetail: true,
  };
  readonly history = new Map<string, CanonicalOrder[]>();
  /** per order id, queue of update times the next getOrder calls should answer "as of" */
  readonly asOf = new Map<string, string[]>();
  calls = { getOrder: 0, listOrders: 0 };
  failWith: UpstreamError | null = null;
  /** order ids of every getOrder call, in call order */
  readonly getOrderLog: string[] = [];
  /** getOrder calls left before our own quota limiter refuses (null: no limit), like RedisRateLimiter */
  getOrderQuota: number | null = null;
  /** how long each getOrder takes (keeps reads in flight) */
  getOrderDelayMs = 0;
  /** order ids whose platform status has no mapping: listed as `unmapped`, getOrder raises the unknown-status error */
  readonly unmappable = new Set<string>();

  constructor(readonly platform: Platform = 'douyin') {
    super();
  }

  put(o: CanonicalOrder): void {
    const h = this.history.get(o.platformOrderId) ?? [];
    h.push(o);
    h.sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
    this.history.set(o.platformOrderId, h);
  }

  async getOrder(_shop: ShopContext, platformOrderId: string): Promise<CanonicalOrder> {
    this.calls.getOrder += 1;
    this.getOrderLog.push(platformOrderId);
    if (this.failWith) throw this.failWith;
    if (this.getOrderQuota !== null) {
      if (this.getOrderQuota <= 0) {
        throw new UpstreamError(this.platform, 'rate_limited', `local QPS limit 1/s reached for ${this.platform}:shop:getOrder`, { retryAfterMs: 500, code: OWN_QUOTA_CODE, quotaPerSec: 1 });
      }
      this.getOrderQuota -= 1;
    }
    if (this.getOrderDelayMs > 0) await new Promise((r) => setTimeout(r, this.getOrderDelayMs));
    const h = this.history.get(platformOrderId);
    if (!h || h.length === 0) throw new UpstreamError(this.platform, 'not_found', `order ${platformOrderId}`);
    if (this.unmappable.has(platformOrderId)) throw new UpstreamError(this.platform, 'invalid_request', `order ${platformOrderId}: unknown status`, { code: UNKNOWN_STATUS_CODE, platformStatus: 'S-NEW' });
    const at = this.asOf.get(platformOrderId)?.shift();
    if (at) return h.filter((o) => Date.parse(o.updatedAt) <= Date.parse(at)).pop() ?? h[0];
    return h[h.length - 1];
  }

  async listOrders(_shop: ShopContext, q: OrderListQuery): Promise<OrderPage> {
    this.calls.listOrders += 1;
    if (this.failWith) throw this.failWith;
    const latest = [...this.history.values()]
      .map((h) => h[h.length - 1])
      .filter((o) => Date.parse(o.updatedAt) >= q.from.getTime() && Date.parse(o.updatedAt) < q.to.getTime())
      .sort((a, b) => a.platformOrderId.localeCompare(b.platformOrderId));
    const size = q.pageSize ?? 100;
    const start = q.page ? Number(q.page) : 0;
    const slice = latest.slice(start, start + size);
    const more = start + size < latest.length;
    const unmapped = slice.filter((o) => this.unmappable.has(o.platformOrderId)).map((o) => ({ platformOrderId: o.platformOrderId, platformStatus: 'S-NEW', updatedAt: o.updatedAt }));
    const orders = slice.filter((o) => !this.unmappable.has(o.platformOrderId));
    return { orders, partialIds: [], hasMore: more, next: more ? String(start + size) : null, ...(unmapped.length > 0 ? { unmapped } : {}) };
  }

  async verifyPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification> {
    const appKey = String(req.headers['app-id'] ?? '');
    const secret = await secretFor(appKey);
    if (!secret) return { ok: false, status: 401, reason: 'unknown app' };
    const sign = String(req.headers['event-sign'] ?? '');
    if (sign !== fakeSign(appKey, req.rawBody, secret)) return { ok: false, status: 401, reason: 'bad signature' };
    let items: FakePushItem[];
    try {
      items = JSON.parse(req.rawBody.toString('utf8')) as FakePushItem[];
      if (!Array.isArray(items)) throw new Error('not an array');
    } catch (e) {
      return { ok: false, status: 400, reason: `malformed body: ${String(e)}` };
    }
    const messages: PushMessage[] = items.map((i) => ({
      platform: this.platform,
      messageId: i.msgId,
      platformShopId: i.shopId,
      topic: '101',
      kind: 'order',
      platformOrderId: i.orderId,
      occurredAt: i.updatedAt,
      raw: JSON.stringify(i),
    }));
    return { ok: true, messages };
  }

  pushReply(ok: boolean): { status: number; body: unknown } {
    return ok ? { status: 200, body: { code: 0, msg: 'success' } } : { status: 200, body: { code: 1, msg: 'fail' } };
  }

  /** shipments the platform accepted */
  readonly shipCalls: ShipmentRequest[] = [];
  /** every ship call attempted (accepted or not) */
  shipAttempts = 0;
  /** errors the next ship calls throw, one per call, in order */
  readonly shipFailures: UpstreamError[] = [];

  /**
   * Like the simulators: a refunded or cancelled order (latest snapshot in `history`) is refused with
   * invalid_request; orders the fake does not know are accepted.
   */
  async ship(_shop: ShopContext, shipment: ShipmentRequest): Promise<void> {
    this.shipAttempts += 1;
    const injected = this.shipFailures.shift();
    if (injected) throw injected;
    if (this.failWith) throw this.failWith;
    const h = this.history.get(shipment.platformOrderId);
    const latest = h?.[h.length - 1];
    if (latest && (latest.status === 'refunded' || latest.status === 'cancelled')) {
      throw new UpstreamError(this.platform, 'invalid_request', `order is ${latest.status}; cannot ship`, { code: '40003' });
    }
    this.shipCalls.push(shipment);
  }
  updateStock(): Promise<void> {
    throw new Error('not in the fake');
  }
  getStock(): Promise<number> {
    throw new Error('not in the fake');
  }
  updatePrice(): Promise<void> {
    throw new Error('not in the fake');
  }
  upsertProduct(): Promise<never> {
    throw new Error('not in the fake');
  }
  refreshToken(): Promise<TokenSet> {
    throw new Error('not in the fake');
  }
}
