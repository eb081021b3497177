import type { CanonicalDiscountLine, CanonicalOrder, CanonicalOrderItem } from '@app/contracts';
import { UpstreamError, isUnknownStatus } from '@app/contracts';
import { arr, isoFromSeconds, num, obj, optStr, str, unknownStatus, type Json } from '../http';
import type { ShopContext } from '../platform-adapter.port';
import { douyinStatus } from './douyin.status';

/** Douyin shop order (list item or `shop_order_detail`) -> CanonicalOrder. Money fen, times seconds. */
export function douyinOrderToCanonical(shop: ShopContext, o: Json): CanonicalOrder {
  const orderId = str(o.order_id);
  let status;
  try {
    status = douyinStatus(str(o.order_status), optStr(o.main_status));
  } catch (e) {
    if (isUnknownStatus(e)) throw unknownStatus('douyin', 'order_status', e.details.platformStatus ?? '', orderId);
    throw new UpstreamError('douyin', 'invalid_request', `order ${orderId}: ${(e as Error).message}`);
  }
  const items: CanonicalOrderItem[] = arr(o.sku_order_list).map((raw) => {
    const s = obj(raw);
    const quantity = num(s.item_num, 1);
    const unit = s.goods_price !== undefined ? num(s.goods_price) : Math.round(num(s.origin_amount) / Math.max(quantity, 1));
    return {
      lineId: str(s.order_id),
      platformProductId: str(s.product_id),
      platformSkuId: str(s.sku_id),
      erpSkuCode: optStr(s.out_sku_id) ?? optStr(s.code),
      title: optStr(s.product_name),
      quantity,
      unitPriceFen: unit,
      paidFen: num(s.pay_amount),
      discountFen: num(s.promotion_amount),
    };
  });
  const createdAt = isoFromSeconds(o.create_time) ?? new Date(0).toISOString();
  const mainStatus = str(o.main_status);
  return {
    platform: 'douyin',
    shopId: shop.shopId,
    platformOrderId: orderId,
    // the shop the platform says the order is in: ingest and poll refuse it for any other shop
    platformShopId: optStr(o.shop_id) ?? undefined,
    status,
    platformStatus: str(o.order_status),
    createdAt,
    paidAt: isoFromSeconds(o.pay_time),
    updatedAt: isoFromSeconds(o.update_time) ?? createdAt,
    cashOnDelivery: num(o.pay_type, 1) === 0, // pay_type 0 = cash on delivery
    totalFen: num(o.order_amount),
    paidFen: num(o.pay_amount),
    shippingFen: num(o.post_amount),
    discountFen: num(o.promotion_amount),
    buyer: {
      nickMasked: optStr(o.mask_user_nick) ?? null,
      receiverMasked: optStr(o.mask_post_receiver),
      phoneMasked: optStr(o.mask_post_tel),
      addressMasked: optStr(obj(o.mask_post_addr).detail) ?? null,
    },
    items,
    refundStatus: ['21', '22', '39'].includes(mainStatus) ? 'refunded' : 'none',
    // only order.orderDetail carries promotion_detail (order.searchList has the amounts alone)
    ...(o.promotion_detail !== undefined ? { discounts: douyinDiscounts(obj(o.promotion_detail)) } : {}),
  };
}

const DOUYIN_BEARERS: Array<[string, CanonicalDiscountLine['bearer']]> = [
  ['shop_discount_detail', 'shop'],
  ['platform_discount_detail', 'platform'],
  ['kol_discount_detail', 'influencer'],
];

/**
 * `shop_order_detail.promotion_detail` of order.orderDetail -> discount lines (MARKETING-KUAISHOU-ALERTS.md 1.1, [C]
 * DD-ZSM order_orderDetail_response.go): per payer (shop / platform / kol = influencer), each `coupon_info[]` is a
 * redeemed coupon named by its batch id `coupon_meta_id` (what marketing.createCoupon returns) and each
 * `full_discount_info[]` a 满减 / 立减 campaign. All amounts fen.
 */
export function douyinDiscounts(detail: Json): CanonicalDiscountLine[] {
  const out: CanonicalDiscountLine[] = [];
  for (const [field, bearer] of DOUYIN_BEARERS) {
    const d = obj(detail[field]);
    for (const raw of arr(d.coupon_info)) {
      const c = obj(raw);
      const amountFen = num(c.coupon_amount);
      if (amountFen <= 0) continue;
      out.push({ kind: 'coupon', bearer, amountFen, platformCouponId: optStr(c.coupon_meta_id), platformPromotionId: null, platformType: optStr(c.coupon_type), name: optStr(c.coupon_name) });
    }
    for (const raw of arr(d.full_discount_info)) {
      const c = obj(raw);
      const amountFen = num(c.campaign_amount);
      if (amountFen <= 0) continue;
      out.push({ kind: 'promotion', bearer, amountFen, platformCouponId: null, platformPromotionId: optStr(c.campaign_id), platformType: optStr(c.campaign_type), name: optStr(c.campaign_name) });
    }
  }
  return out;
}
