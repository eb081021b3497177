import type { OrderStatus } from '@app/contracts';
import { unknownStatus } from '../http/unmapped';

/** TOP trade `status` to the canonical status (PROTOCOLS.md 2.5). */
export const TAOBAO_ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  TRADE_NO_CREATE_PAY: 'pending_payment',
  WAIT_BUYER_PAY: 'pending_payment',
  PAY_PENDING: 'pending_payment',
  WAIT_PRE_AUTH_CONFIRM: 'pending_payment',
  WAIT_SELLER_SEND_GOODS: 'paid',
  // paid, but the platform forbids shipping for now (e.g. a group buy not yet complete, a risk check): paid is what
  // it is (the SLA and stock reservations start from the payment); the ERP sees platformStatus PAID_FORBID_CONSIGN
  // on the canonical order and must hold it; it becomes shippable with the next status, WAIT_SELLER_SEND_GOODS
  PAID_FORBID_CONSIGN: 'paid',
  SELLER_CONSIGNED_PART: 'partially_shipped',
  WAIT_BUYER_CONFIRM_GOODS: 'shipped',
  TRADE_BUYER_SIGNED: 'shipped', // cash on delivery, signed; TRADE_FINISHED follows
  TRADE_FINISHED: 'completed',
  TRADE_CLOSED: 'refunded', // closed after a full refund
  TRADE_CLOSED_BY_TAOBAO: 'cancelled', // closed before payment: never ship
};

/** `orderId` names the trade in the error of a status with no mapping (see unknownStatus) */
export function taobaoStatus(status: string, orderId?: string): OrderStatus {
  const s = TAOBAO_ORDER_STATUS[status];
  if (!s) throw unknownStatus('taobao', 'trade status', status, orderId);
  return s;
}
