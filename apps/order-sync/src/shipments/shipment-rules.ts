import type { OrderStatus, UpstreamError } from '@app/contracts';

const REFUND_BLOCKING_STATUSES: ReadonlySet<string> = new Set<OrderStatus>(['refunding', 'refunded', 'cancelled']);
const REFUND_BLOCKING_REFUND_STATUSES: ReadonlySet<string> = new Set(['requested', 'refunded']);

/** A refund (requested or done) or a cancellation that is known before shipping blocks the write-back. */
export function refundBlocks(order: { status: string; refundStatus: string }): boolean {
  return REFUND_BLOCKING_STATUSES.has(order.status) || REFUND_BLOCKING_REFUND_STATUSES.has(order.refundStatus);
}

/** `<status>/refund <refundStatus>` for messages */
export function describeOrderState(order: { status: string; refundStatus: string }): string {
  return `order is ${order.status} (refund ${order.refundStatus})`;
}

const REFUND_WORDS = /refund|cancel|退款|取消|售后/i;

/**
 * Last resort when the platform refused a shipment and the order could not be re-read: the platforms
 * answer shipping a refunded/cancelled order with a plain invalid_request whose text names the cause.
 */
export function messageSaysRefund(e: UpstreamError): boolean {
  return e.kind === 'invalid_request' && REFUND_WORDS.test(e.message);
}

/** job id of a shipment's ship-order job */
export const shipmentJobId = (shipmentId: string): string => `ship-${shipmentId}`;
