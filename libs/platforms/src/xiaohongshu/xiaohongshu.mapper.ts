import type { CanonicalDiscountLine, CanonicalOrder, CanonicalOrderItem } from '@app/contracts';
import { UpstreamError, isUnknownStatus } from '@app/contracts';
import { arr, isoFromMillis, num, obj, optStr, str, unknownStatus, type Json } from '../http';
import type { ShopContext } from '../platform-adapter.port';
import { xhsRefundStatus, xhsStatus } from './xiaohongshu.status';

/** `order.getOrderDetail` data -> CanonicalOrder. Money fen; response times milliseconds. */
export function xhsOrderToCanonical(shop: ShopContext, o: Json): CanonicalOrder {
  const orderId = str(o.orderId);
  let status;
  try {
    status = xhsStatus(str(o.orderStatus), str(o.orderAfterSalesStatus));
  } catch (e) {
    if (isUnknownStatus(e)) throw unknownStatus('xiaohongshu', 'orderStatus', e.details.platformStatus ?? '', orderId);
    throw new UpstreamError('xiaohongshu', 'invalid_request', `order ${orderId}: ${(e as Error).message}`);
  }
  const items: CanonicalOrderItem[] = arr(o.skuList).map((raw, i) => {
    const s = obj(raw);
    const quantity = num(s.skuQuantity, 1);
    const paid = num(s.totalPaidAmount);
    const discount = num(s.totalMerchantDiscount) + num(s.totalRedDiscount);
    return {
      lineId: optStr(s.skuOrderId) ?? `${orderId}-${str(s.skuId) || i}`,
      platformProductId: str(s.itemId),
      platformSkuId: str(s.skuId),
      erpSkuCode: optStr(s.erpcode) ?? optStr(s.erpCode),
      title: optStr(s.skuName),
      quantity,
      unitPriceFen: s.price !== undefined ? num(s.price) : Math.round((paid + discount) / Math.max(quantity, 1)),
      paidFen: paid,
      discountFen: discount,
    };
  });
  const createdAt = isoFromMillis(o.createdTime) ?? new Date(0).toISOString();
  const shippingFen = num(o.totalShippingFree);
  const paidFen = num(o.totalPayAmount);
  return {
    platform: 'xiaohongshu',
    shopId: shop.shopId,
    platformOrderId: orderId,
    status,
    platformStatus: str(o.orderStatus),
    createdAt,
    paidAt: isoFromMillis(o.paidTime),
    updatedAt: isoFromMillis(o.updateTime) ?? createdAt,
    cashOnDelivery: false,
    totalFen: items.reduce((n, i) => n + i.unitPriceFen * i.quantity, 0) + shippingFen,
    paidFen,
    shippingFen,
    discountFen: num(o.totalMerchantDiscount) + num(o.totalRedDiscount),
    buyer: { nickMasked: null, receiverMasked: optStr(o.receiverName), phoneMasked: optStr(o.receiverPhone), addressMasked: optStr(o.receiverAddress) },
    items,
    refundStatus: xhsRefundStatus(str(o.orderAfterSalesStatus)),
    discounts: xhsDiscounts(o),
  };
}

/**
 * Xiaohongshu names no coupon (MARKETING-KUAISHOU-ALERTS.md 1.3: order.getOrderDetail has amounts by payer only):
 * `totalMerchantDiscount` borne by the shop, `totalRedDiscount` by the platform, `outPromotionAmount` by the payment
 * channel; fen. Lines of kind `other` / `subsidy`: they are never counted as a campaign's redemptions.
 */
export function xhsDiscounts(o: Json): CanonicalDiscountLine[] {
  const lines: Array<[unknown, CanonicalDiscountLine['kind'], CanonicalDiscountLine['bearer'], string]> = [
    [o.totalMerchantDiscount, 'other', 'shop', 'totalMerchantDiscount'],
    [o.totalRedDiscount, 'subsidy', 'platform', 'totalRedDiscount'],
    [o.outPromotionAmount, 'subsidy', 'payment', 'outPromotionAmount'],
  ];
  return lines.filter(([v]) => num(v) > 0).map(([v, kind, bearer, field]) => ({ kind, bearer, amountFen: num(v), platformCouponId: null, platformPromotionId: null, platformType: field, name: null }));
}
