import type { CanonicalDiscountLine, CanonicalOrder, CanonicalOrderItem } from '@app/contracts';
import { UpstreamError } from '@app/contracts';
import { parseGmt8, yuanToFen } from '../signing';
import { arr, obj, optStr, str, num, type Json } from '../http';
import type { ShopContext } from '../platform-adapter.port';
import { taobaoStatus } from './taobao.status';

/** money: yuan strings -> fen; absent -> 0 */
export function fen(v: unknown): number {
  const s = str(v);
  return s === '' ? 0 : yuanToFen(s);
}

/** GMT+8 `yyyy-MM-dd HH:mm:ss` -> ISO UTC; null when absent */
export function isoGmt8(v: unknown): string | null {
  const s = str(v);
  return s === '' ? null : parseGmt8(s).toISOString();
}

/** `trade.fullinfo.get` trade -> CanonicalOrder. Money yuan strings, times GMT+8. */
export function taobaoTradeToCanonical(shop: ShopContext, t: Json): CanonicalOrder {
  const tid = str(t.tid);
  try {
    const items: CanonicalOrderItem[] = arr(obj(t.orders).order).map((raw) => {
      const o = obj(raw);
      return {
        lineId: str(o.oid),
        platformProductId: str(o.num_iid),
        platformSkuId: str(o.sku_id),
        erpSkuCode: optStr(o.outer_sku_id) ?? optStr(o.outer_iid),
        title: optStr(o.title),
        quantity: num(o.num, 1),
        unitPriceFen: fen(o.price),
        paidFen: fen(o.payment),
        discountFen: fen(o.discount_fee),
      };
    });
    const createdAt = isoGmt8(t.created) ?? new Date(0).toISOString();
    const refund = arr(obj(t.orders).order).map((o) => str(obj(o).refund_status));
    return {
      platform: 'taobao',
      shopId: shop.shopId,
      platformOrderId: tid,
      status: taobaoStatus(str(t.status), tid),
      platformStatus: str(t.status),
      createdAt,
      paidAt: isoGmt8(t.pay_time),
      updatedAt: isoGmt8(t.modified) ?? createdAt,
      cashOnDelivery: str(t.type) === 'cod',
      totalFen: fen(t.total_fee) + fen(t.post_fee),
      paidFen: fen(t.payment),
      shippingFen: fen(t.post_fee),
      discountFen: fen(t.discount_fee),
      buyer: {
        nickMasked: optStr(t.buyer_nick),
        receiverMasked: optStr(t.receiver_name),
        phoneMasked: optStr(t.receiver_mobile),
        addressMasked: optStr(t.receiver_address),
      },
      items,
      ...(t.promotion_details !== undefined ? { discounts: taobaoDiscounts(t) } : {}),
      refundStatus: refund.includes('SUCCESS')
        ? 'refunded'
        : refund.some((r) => r.startsWith('WAIT_'))
          ? 'requested'
          : refund.includes('SELLER_REFUSE_BUYER')
            ? 'rejected'
            : 'none',
    };
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    throw new UpstreamError('taobao', 'invalid_request', `trade ${tid}: ${(e as Error).message}`);
  }
}

/**
 * `promotion_details[]` of a trade -> discount lines (MARKETING-KUAISHOU-ALERTS.md 1.2, [C] TB PromotionDetail.go):
 * `promotion_id` is `工具id-活动id_详情id` (e.g. mjs-123024_211143), `discount_fee` yuan (empty for free shipping
 * and limited-time discounts: no line). Which prefix marks a shop coupon is not known [U], so every line is a
 * promotion of the shop; `promotion_details` may be wrapped as TOP's `{promotion_detail: [...]}`.
 */
export function taobaoDiscounts(t: Json): CanonicalDiscountLine[] {
  const raw = t.promotion_details;
  const list = Array.isArray(raw) ? raw : arr(obj(raw).promotion_detail);
  return list.flatMap((r) => {
    const p = obj(r);
    const amountFen = str(p.discount_fee) === '' ? 0 : fen(p.discount_fee);
    if (amountFen <= 0) return [];
    const id = optStr(p.promotion_id);
    return [{ kind: 'promotion' as const, bearer: 'shop' as const, amountFen, platformCouponId: null, platformPromotionId: id, platformType: id?.split('-')[0] ?? null, name: optStr(p.promotion_name) }];
  });
}
