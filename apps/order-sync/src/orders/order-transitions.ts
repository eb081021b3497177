import { ORDER_STATUSES, type OrderStatus } from '@app/contracts';

/**
 * Which status may follow which. Skipping ahead is allowed (messages get lost, polls see only the latest
 * state); going back to an earlier lifecycle stage, or leaving a terminal state, is not. `refunding` may
 * fall back to the stage it came from when the refund is refused.
 */
export const ALLOWED_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending_payment: ORDER_STATUSES,
  paid: ['paid', 'partially_shipped', 'shipped', 'completed', 'refunding', 'refunded', 'cancelled'],
  partially_shipped: ['partially_shipped', 'shipped', 'completed', 'refunding', 'refunded'],
  shipped: ['shipped', 'completed', 'refunding', 'refunded'],
  refunding: ['refunding', 'paid', 'partially_shipped', 'shipped', 'completed', 'refunded', 'cancelled'],
  completed: ['completed', 'refunding', 'refunded'],
  refunded: ['refunded'],
  cancelled: ['cancelled'],
};

export function isAllowedTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** `from>to` pairs, handed to the upsert's WHERE clause as a last guard against concurrent writers */
export const ALLOWED_TRANSITION_PAIRS: string[] = ORDER_STATUSES.flatMap((from) =>
  ALLOWED_TRANSITIONS[from].map((to) => `${from}>${to}`),
);

const CANCEL_LIKE: ReadonlySet<OrderStatus> = new Set(['cancelled', 'refunding', 'refunded']);
const SHIPPED_LIKE: ReadonlySet<OrderStatus> = new Set(['partially_shipped', 'shipped', 'completed']);

export type DeliveryKind = 'push' | 'intercept';

/**
 * What the ERP must hear about a changed order. `prev` is the stored status before the change (null for a
 * new order); `paid`: the order has a pay time. Unpaid orders are stored, not pushed. A cancellation or
 * refund of an order the ERP already has but has not shipped is an interception (priority queue); after
 * shipment it is an ordinary order update. A paid order the ERP has not had yet that is already closed,
 * refunded or being refunded when we first see it (refunded seconds after payment, pushes lost or shuffled)
 * is pushed in that final state: the ERP knows every paid order, finance reconciles the refund, and the
 * status tells the ERP not to ship it (libs/erp/README.md, "Orders closed before delivery").
 */
export function deliveryFor(prev: OrderStatus | null, next: OrderStatus, paid: boolean): DeliveryKind | null {
  if (next === 'pending_payment') return null;
  if (CANCEL_LIKE.has(next)) {
    if (prev === next) return null;
    // prev 'cancelled' cannot reach here: a terminal state only repeats itself (ALLOWED_TRANSITIONS)
    if (prev === null || prev === 'pending_payment') return paid ? 'push' : null;
    return SHIPPED_LIKE.has(prev) ? 'push' : 'intercept';
  }
  return 'push';
}

export function interceptReason(status: OrderStatus): 'cancelled' | 'refund_requested' | 'refunded' {
  if (status === 'cancelled') return 'cancelled';
  if (status === 'refunded') return 'refunded';
  return 'refund_requested';
}
