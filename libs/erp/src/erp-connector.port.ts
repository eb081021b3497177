import type { CanonicalOrder, UpstreamError } from '@app/contracts';
import { erpCallLimits, type ErpCallLimits } from './erp-options';

/** One order version to deliver. The idempotency key is `<orderId>-v<version>` and never changes across retries. */
export interface ErpOrderEnvelope {
  orderId: string; // our order id (uuid)
  version: number;
  idempotencyKey: string;
  order: CanonicalOrder;
}

export type ErpPushResult =
  /** `acceptedAt`: when the ERP says it first accepted the order (ISO), if its protocol tells */
  | { idempotencyKey: string; ok: true; erpOrderId: string; duplicate: boolean; acceptedAt?: string }
  | { idempotencyKey: string; ok: false; error: UpstreamError };

export interface ErpInterception {
  orderId: string;
  idempotencyKey: string;
  order: CanonicalOrder;
  reason: 'cancelled' | 'refund_requested' | 'refunded';
}

export interface ErpShipmentNotice {
  orderId: string;
  platformOrderId: string;
  outcome: 'shipped' | 'blocked_by_refund' | 'failed';
  message: string;
}

/** One call's own settings. */
export interface ErpCallOptions {
  /** this call's time limit (clamped to the connector's limits.timeoutMaxMs) */
  timeoutMs?: number;
}

/**
 * The port every ERP connector implements. Errors inside results (and thrown errors) are always
 * `UpstreamError`, so the caller decides on retry by `retryable` / `retryAfterMs` only.
 */
export abstract class ErpConnector {
  abstract readonly name: string;
  /** how many orders one pushOrders call may carry */
  abstract readonly maxBatch: number;
  /** time limits and sockets of this connector's calls (callers adapting their calls stay inside them) */
  readonly limits: ErpCallLimits = erpCallLimits({});
  abstract pushOrders(orders: ErpOrderEnvelope[], call?: ErpCallOptions): Promise<ErpPushResult[]>;
  abstract intercept(req: ErpInterception, call?: ErpCallOptions): Promise<{ ok: true } | { ok: false; error: UpstreamError }>;
  abstract notifyShipment(notice: ErpShipmentNotice): Promise<void>;
}
