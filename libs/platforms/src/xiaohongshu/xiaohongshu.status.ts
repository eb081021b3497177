import type { OrderStatus } from '@app/contracts';
import { unknownStatus } from '../http/unmapped';

/** Ark `orderStatus` to the canonical status (PROTOCOLS.md 3.5). Status 8 is resolved by xhsStatus. */
export const XHS_ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  '1': 'pending_payment', // placed, awaiting payment
  '2': 'paid', // paid, processing
  '3': 'paid', // customs clearance
  '4': 'paid', // awaiting shipment
  '5': 'partially_shipped',
  '6': 'shipped', // shipped, awaiting receipt
  '7': 'completed',
  '8': 'cancelled', // closed; refunded when the after-sale is done (see xhsStatus)
  '9': 'cancelled',
  '10': 'refunding', // exchange requested: an after-sale is open
};

/** `orderAfterSalesStatus`: 1 none, 2 in progress, 3 done, 4 rejected, 5 closed, 6 platform intervening */
export function xhsStatus(orderStatus: string, afterSalesStatus: string): OrderStatus {
  if (orderStatus === '8' && afterSalesStatus === '3') return 'refunded';
  const s = XHS_ORDER_STATUS[orderStatus];
  if (!s) throw unknownStatus('xiaohongshu', 'orderStatus', orderStatus);
  return s;
}

export function xhsRefundStatus(afterSalesStatus: string): 'none' | 'requested' | 'refunded' | 'rejected' {
  switch (afterSalesStatus) {
    case '2':
    case '6':
      return 'requested';
    case '3':
      return 'refunded';
    case '4':
      return 'rejected';
    default:
      return 'none';
  }
}
