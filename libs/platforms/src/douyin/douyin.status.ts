import type { OrderStatus } from '@app/contracts';
import { unknownStatus } from '../http/unmapped';

/** Douyin `order_status` to the canonical status (PROTOCOLS.md 1.5). */
export const DOUYIN_ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  '1': 'pending_payment', // awaiting payment / confirmation
  '105': 'paid', // paid, under risk check
  '2': 'paid', // awaiting shipment
  '101': 'partially_shipped',
  '3': 'shipped',
  '4': 'cancelled',
  '5': 'completed',
};

/** `main_status` values that say more than `order_status` (refunds, partial payment). */
export const DOUYIN_MAIN_STATUS: Readonly<Record<string, OrderStatus>> = {
  '103': 'pending_payment', // partially paid
  '21': 'refunded', // refunded before shipment
  '22': 'refunded', // refunded after shipment
  '39': 'refunded', // refunded after receipt
};

export function douyinStatus(orderStatus: string, mainStatus?: string | null): OrderStatus {
  const byMain = mainStatus ? DOUYIN_MAIN_STATUS[mainStatus] : undefined;
  if (byMain) return byMain;
  const s = DOUYIN_ORDER_STATUS[orderStatus];
  if (!s) throw unknownStatus('douyin', 'order_status', orderStatus);
  return s;
}
