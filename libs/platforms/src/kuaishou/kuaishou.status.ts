import type { OrderStatus } from '@app/contracts';
import { unknownStatus } from '../http/unmapped';

/**
 * `orderBaseInfo.status` to the canonical status (MARKETING-KUAISHOU-ALERTS.md 2.5, KS-DEMO OrderBaseInfo):
 * 0 未知 is not mapped (an order we cannot place is skipped, not guessed).
 */
export const KS_ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  '10': 'pending_payment', // 待付款
  '30': 'paid', // 已付款
  '40': 'shipped', // 已发货
  '50': 'shipped', // 已签收: received, the trade not yet closed (no canonical "delivered")
  '70': 'completed', // 订单成功
  '80': 'cancelled', // 订单失败 (a cancelled order ends here)
};

export function ksStatus(status: string): OrderStatus {
  const s = KS_ORDER_STATUS[status];
  if (!s) throw unknownStatus('kuaishou', 'order status', status);
  return s;
}
