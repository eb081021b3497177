import type { CanonicalDiscountLine, CanonicalOrder, CanonicalOrderItem, OrderStatus } from '@app/contracts';
import { UpstreamError, isUnknownStatus } from '@app/contracts';
import { arr, isoFromMillis, isObj, num, obj, optStr, str, unknownStatus, type Json } from '../http';
import type { ShopContext } from '../platform-adapter.port';
import { ksStatus } from './kuaishou.status';

/** a refund `status` of 60 (退款成功) means refunded; 70 (退款失败) rejected; anything else still open */
function refundOf(o: Json): CanonicalOrder['refundStatus'] {
  const r = obj(o.orderRefundInfo ?? arr(o.orderRefundList)[0]);
  const s = str(r.status ?? r.refundStatus);
  if (s === '') return 'none';
  if (s === '60') return 'refunded';
  if (s === '70') return 'rejected';
  return 'requested';
}

/**
 * An order of `open.order.cursor.list` / `open.order.detail` (orderBaseInfo, orderItemInfo, orderAddress, …) ->
 * CanonicalOrder. All amounts fen, all times milliseconds (MARKETING-KUAISHOU-ALERTS.md 2.5). A failed order (80)
 * whose refund succeeded is `refunded`.
 */
export function ksOrderToCanonical(shop: ShopContext, o: Json): CanonicalOrder {
  const base = obj(o.orderBaseInfo);
  const orderId = str(base.oid);
  let status: OrderStatus;
  try {
    status = ksStatus(str(base.status));
  } catch (e) {
    if (isUnknownStatus(e)) throw unknownStatus('kuaishou', 'order status', e.details.platformStatus ?? '', orderId);
    throw new UpstreamError('kuaishou', 'invalid_request', `order ${orderId}: ${(e as Error).message}`);
  }
  const refundStatus = refundOf(o);
  if (status === 'cancelled' && refundStatus === 'refunded') status = 'refunded';
  const rawItems = Array.isArray(o.orderItemInfo) ? o.orderItemInfo : isObj(o.orderItemInfo) ? [o.orderItemInfo] : arr(o.orderItemInfoList);
  const items: CanonicalOrderItem[] = rawItems.map((raw, i) => {
    const s = obj(raw);
    const quantity = num(s.num, 1);
    const unit = num(s.price ?? s.originalPrice);
    const discount = num(s.discountFee);
    return {
      lineId: optStr(s.orderItemId) ?? optStr(s.itemOrderId) ?? `${orderId}-${str(s.skuId) || i}`,
      platformProductId: str(s.itemId),
      platformSkuId: str(s.skuId),
      erpSkuCode: optStr(s.skuNick) ?? optStr(s.relSkuId),
      title: optStr(s.itemTitle) ?? optStr(s.skuDesc),
      quantity,
      unitPriceFen: unit,
      paidFen: unit * quantity - discount,
      discountFen: discount,
    };
  });
  const createdAt = isoFromMillis(base.createTime) ?? new Date(0).toISOString();
  const shippingFen = num(base.expressFee);
  const addr = obj(o.orderAddress);
  return {
    platform: 'kuaishou',
    shopId: shop.shopId,
    platformOrderId: orderId,
    status,
    platformStatus: str(base.status),
    createdAt,
    paidAt: num(base.payTime, 0) > 0 ? isoFromMillis(base.payTime) : null,
    updatedAt: isoFromMillis(base.updateTime) ?? createdAt,
    cashOnDelivery: false,
    totalFen: items.reduce((n, i) => n + i.unitPriceFen * i.quantity, 0) + shippingFen,
    paidFen: num(base.totalFee),
    shippingFen,
    discountFen: num(base.discountFee),
    // orderAddress holds encrypted / desensitised fields: the desensitised ones are the masked values
    buyer: {
      nickMasked: optStr(base.buyerNick),
      receiverMasked: optStr(addr.desensitiseConsignee) ?? optStr(addr.consignee),
      phoneMasked: optStr(addr.desensitiseMobile) ?? optStr(addr.mobile),
      addressMasked: optStr(addr.desensitiseAddress) ?? optStr(addr.address),
    },
    items,
    refundStatus,
  };
}

/**
 * `marketingInfoOuters[]` of `open.seller.order.fee.detail` -> discount lines (MARKETING-KUAISHOU-ALERTS.md 1.4:
 * subType [C] KS-DOC 订单优惠信息子类型说明.md). 1001 商家满减优惠券 is the merchant's coupon (borne by the shop),
 * 1003 主播红包 an influencer's coupon, 1002 / 21002 platform coupons and allowances; 4xxx / 5xxx are activities
 * (满减, 立减, 秒杀). No line names the coupon [U]: apps/coupon attributes a 1001 line by its amount.
 */
export function ksFeeDetailDiscounts(fee: Json): CanonicalDiscountLine[] {
  return arr(fee.marketingInfoOuters).flatMap((raw) => {
    const m = obj(raw);
    const subType = str(m.subType);
    const amountFen = num(m.discountFee);
    if (amountFen <= 0) return [];
    const t = Number(subType);
    const [kind, bearer]: [CanonicalDiscountLine['kind'], CanonicalDiscountLine['bearer']] =
      t === 1001 ? ['coupon', 'shop'] : t === 1003 ? ['coupon', 'influencer'] : t === 1002 || t === 21002 ? ['subsidy', 'platform'] : t >= 4001 && t <= 5999 ? ['promotion', 'unknown'] : ['other', 'unknown'];
    return [{ kind, bearer, amountFen, platformCouponId: null, platformPromotionId: null, platformType: subType || null, name: null }];
  });
}
