import type { CanonicalOrder, OrderStatus } from '@app/contracts';
import { RawNumber, fenToYuan, formatGmt8 } from '@app/platforms';
import type { ErpInterception, ErpOrderEnvelope } from '../erp-connector.port';

/** Prefix of the `remark` that carries our idempotency key (Jushuitan's remark is updatable, ≤ 1000 chars). */
export const JST_REMARK_PREFIX = 'omnisync:';

/** Taobao-style shop_status strings accepted by /open/jushuitan/orders/upload. */
export type JstShopStatus =
  | 'WAIT_BUYER_PAY'
  | 'WAIT_SELLER_SEND_GOODS'
  | 'WAIT_BUYER_CONFIRM_GOODS'
  | 'TRADE_FINISHED'
  | 'TRADE_CLOSED'
  | 'TRADE_CLOSED_BY_TAOBAO';

/** Item refund_status: waiting = refund in progress (ERP turns the order into an exception and holds it), success = refunded. */
export type JstRefundStatus = 'waiting' | 'success' | 'closed';

export interface JstUploadItem {
  sku_id: string;
  shop_sku_id: string;
  shop_i_id: string;
  amount: RawNumber;
  base_price: RawNumber;
  qty: number;
  name: string;
  outer_oi_id: string;
  refund_status?: JstRefundStatus;
}

export interface JstUploadOrder {
  shop_id: number | string;
  so_id: string;
  order_date: string;
  shop_modified: string;
  shop_status: JstShopStatus;
  shop_buyer_id: string;
  receiver_name?: string;
  receiver_mobile?: string;
  receiver_address?: string;
  pay_amount: RawNumber;
  freight: RawNumber;
  is_cod: boolean;
  remark: string;
  items: JstUploadItem[];
  pay?: { outer_pay_id: string; pay_date: string; payment: string; seller_account: string; buyer_account: string; amount: RawNumber };
}

export function jstShopStatus(order: CanonicalOrder): JstShopStatus {
  const status: OrderStatus = order.status;
  switch (status) {
    case 'pending_payment':
      return 'WAIT_BUYER_PAY';
    case 'paid':
    case 'partially_shipped': // lines remain to ship: the ERP must keep it in its to-ship list
    case 'refunding': // still to ship unless the refund completes; items carry refund_status=waiting
      return 'WAIT_SELLER_SEND_GOODS';
    case 'shipped':
      return 'WAIT_BUYER_CONFIRM_GOODS';
    case 'completed':
      return 'TRADE_FINISHED';
    case 'refunded':
      return 'TRADE_CLOSED';
    case 'cancelled':
      return order.paidAt === null ? 'TRADE_CLOSED_BY_TAOBAO' : 'TRADE_CLOSED';
    default: {
      const never: never = status;
      throw new Error(`unmapped order status ${String(never)}`);
    }
  }
}

function itemRefundStatus(order: CanonicalOrder): JstRefundStatus | undefined {
  if (order.status === 'refunded' || order.refundStatus === 'refunded') return 'success';
  if (order.status === 'refunding' || order.refundStatus === 'requested') return 'waiting';
  return undefined;
}

const yuan = (fen: number) => new RawNumber(fenToYuan(fen));

/** Our shop id -> Jushuitan shop number. */
export function jstShopId(shopId: string, map: Record<string, string | number> | undefined): number | string {
  const mapped = map?.[shopId];
  if (mapped !== undefined) return typeof mapped === 'string' && /^\d{1,15}$/.test(mapped) ? Number(mapped) : mapped;
  return /^\d{1,15}$/.test(shopId) ? Number(shopId) : shopId;
}

export function toJstUploadOrder(
  env: Pick<ErpOrderEnvelope, 'idempotencyKey' | 'order'>,
  shopIdMap: Record<string, string | number> | undefined,
  override?: { shopStatus: JstShopStatus; refundStatus?: JstRefundStatus },
): JstUploadOrder {
  const o = env.order;
  const refund = override ? override.refundStatus : itemRefundStatus(o);
  const out: JstUploadOrder = {
    shop_id: jstShopId(o.shopId, shopIdMap),
    so_id: o.platformOrderId,
    order_date: formatGmt8(new Date(o.createdAt)),
    shop_modified: formatGmt8(new Date(o.updatedAt)),
    shop_status: override?.shopStatus ?? jstShopStatus(o),
    shop_buyer_id: o.buyer.nickMasked ?? `${o.platform}-buyer`,
    pay_amount: yuan(o.paidFen),
    freight: yuan(o.shippingFen),
    is_cod: o.cashOnDelivery,
    remark: `${JST_REMARK_PREFIX}${env.idempotencyKey}`,
    items: o.items.map((it) => ({
      sku_id: it.erpSkuCode ?? it.platformSkuId,
      shop_sku_id: it.platformSkuId,
      shop_i_id: it.platformProductId,
      amount: yuan(it.paidFen),
      base_price: yuan(it.unitPriceFen),
      qty: it.quantity,
      name: it.title ?? it.erpSkuCode ?? it.platformSkuId,
      outer_oi_id: it.lineId,
      ...(refund ? { refund_status: refund } : {}),
    })),
  };
  // Jushuitan: receiver fields must be left out rather than sent empty
  if (o.buyer.receiverMasked) out.receiver_name = o.buyer.receiverMasked;
  if (o.buyer.phoneMasked) out.receiver_mobile = o.buyer.phoneMasked;
  if (o.buyer.addressMasked) out.receiver_address = o.buyer.addressMasked;
  if (o.paidAt !== null) {
    out.pay = {
      outer_pay_id: `${o.platformOrderId}-pay`,
      pay_date: formatGmt8(new Date(o.paidAt)),
      payment: o.platform,
      seller_account: o.shopId,
      buyer_account: out.shop_buyer_id,
      amount: yuan(o.paidFen),
    };
  }
  return out;
}

/** Interception = re-upload of the same (shop_id, so_id) with a closing status. */
export function toJstInterception(req: ErpInterception, shopIdMap: Record<string, string | number> | undefined): JstUploadOrder {
  switch (req.reason) {
    case 'cancelled':
      return toJstUploadOrder(req, shopIdMap, { shopStatus: req.order.paidAt === null ? 'TRADE_CLOSED_BY_TAOBAO' : 'TRADE_CLOSED' });
    case 'refunded':
      return toJstUploadOrder(req, shopIdMap, { shopStatus: 'TRADE_CLOSED', refundStatus: 'success' });
    case 'refund_requested':
      return toJstUploadOrder(req, shopIdMap, { shopStatus: 'WAIT_SELLER_SEND_GOODS', refundStatus: 'waiting' });
    default: {
      const never: never = req.reason;
      throw new Error(`unmapped interception reason ${String(never)}`);
    }
  }
}
