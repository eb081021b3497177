import type { OrderStatus } from '@app/contracts';

/** TOP trade `status` to the canonical status (PROTOCOLS.md 2.5). */
export const TAOBAO_ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  TRADE_NO_CREATE_PAY: 'pending_payment',
  WAIT_BUYER_PAY: 'pending_payment',
  PAY_PENDING: 'pending_payment',
  WAIT_PRE_AUTH_CONFIRM: 'pending_payment',
  WAIT_SELLER_SEND_GOODS: 'paid',
  SELLER_CONSIGNED_PART: 'partially_shipped',
  WAIT_BUYER_CONFIRM_GOODS: 'shipped',
  TRADE_BUYER_SIGNED: 'shipped', // cash on delivery, signed; TRADE_FINISHED follows
  TRADE_FINISHED: 'completed',
  TRADE_CLOSED: 'refunded', // closed after a full refund
  TRADE_CLOSED_BY_TAOBAO: 'cancelled', // closed before payment: never ship
};

export function taobaoStatus(status: string): OrderStatus {
  const s = TAOBAO_ORDER_STATUS[status];
  if (!s) throw new Error(`unknown taobao trade status ${status}`);
  return s;
}
