import { UpstreamError } from '@app/contracts';
import { ErpConnector, type ErpInterception, type ErpOrderEnvelope, type ErpPushResult, type ErpShipmentNotice } from '@app/erp';

/** ERP double: records every envelope, dedupes by idempotency key like a real ERP, can be "down". */
export class FakeErpConnector extends ErpConnector {
  readonly name = 'fake-erp';
  maxBatch = 50;
  down = false;
  downRetryAfterMs = 300;
  readonly pushCalls: ErpOrderEnvelope[][] = [];
  readonly intercepts: ErpInterception[] = [];
  /** idempotency key -> erp order id (first delivery wins) */
  readonly delivered = new Map<string, string>();
  /** keys that arrived more than once */
  readonly duplicates: string[] = [];
  /** idempotency keys the ERP refuses for good (a per-order invalid_request result) */
  readonly rejectKeys = new Set<string>();
  /** platform order id -> when the ERP says it first accepted that order (`acceptedAt` in its answers) */
  readonly acceptedAt = new Map<string, string>();

  async pushOrders(orders: ErpOrderEnvelope[]): Promise<ErpPushResult[]> {
    if (this.down) throw new UpstreamError('erp', 'circuit_open', 'breaker open', { retryAfterMs: this.downRetryAfterMs });
    this.pushCalls.push(orders);
    return orders.map((o): ErpPushResult => {
      if (this.rejectKeys.has(o.idempotencyKey)) {
        return { idempotencyKey: o.idempotencyKey, ok: false, error: new UpstreamError('erp', 'invalid_request', 'order rejected by the ERP') };
      }
      const dup = this.delivered.has(o.idempotencyKey);
      if (dup) this.duplicates.push(o.idempotencyKey);
      else this.delivered.set(o.idempotencyKey, `ERP-${o.order.platformOrderId}`);
      const acceptedAt = this.acceptedAt.get(o.order.platformOrderId);
      return { idempotencyKey: o.idempotencyKey, ok: true as const, erpOrderId: this.delivered.get(o.idempotencyKey)!, duplicate: dup, ...(acceptedAt ? { acceptedAt } : {}) };
    });
  }

  async intercept(req: ErpInterception): Promise<{ ok: true } | { ok: false; error: UpstreamError }> {
    if (this.down) return { ok: false, error: new UpstreamError('erp', 'circuit_open', 'breaker open', { retryAfterMs: this.downRetryAfterMs }) };
    this.intercepts.push(req);
    return { ok: true };
  }

  /** shipment outcomes the ERP was told, in order */
  readonly shipmentNotices: ErpShipmentNotice[] = [];

  async notifyShipment(n: ErpShipmentNotice): Promise<void> {
    if (this.down) throw new UpstreamError('erp', 'circuit_open', 'breaker open', { retryAfterMs: this.downRetryAfterMs });
    this.shipmentNotices.push(n);
  }
}
