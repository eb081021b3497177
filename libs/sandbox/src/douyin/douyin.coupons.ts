import { rawNumber } from '@app/platforms/signing';
import { idParam, intParam, plain, requireId, requireInt, requireStr, strParam } from '../core/lossless';
import { SimError } from '../core/sim-error';
import type { ShopState, SimStore } from '../core/store';
import type { SimCoupon, SimOrder } from '../core/types';

/**
 * Douyin shop coupons (marketing.*, MARKETING-KUAISHOU-ALERTS.md 1.1): method and field names [C] in DD-LES (2021),
 * snake_case on the wire; the family's current availability is [U]. What the facts leave open is the simulator's
 * assumption, marked ASSUMED:
 *  - credit / threshold / max_discount_limit are integer fen [U: "likely fen"];
 *  - the validity type is `period_type` (the SDK's field periodType under SNAKE_CASE; the facts table says
 *    coupon_period_type, which the simulator refuses as unknown: it is not what the SDK sends);
 *  - times are "yyyy-MM-dd HH:mm:ss" Beijing time (the SDK's @JsonFormat);
 *  - status: 1 before start_apply_time, 3 enabled inside the window, 2 invalidated (AbleCouponMeta 2), 4 after
 *    end_apply_time; AbleCouponMeta 3 re-enables an invalidated batch that has not expired;
 *  - createCoupon has no idempotency key: every call makes a new batch (a lost answer is found by the list);
 *  - GetShopCouponMetaList coupon_name matches a part of the name; offset from 0, limit 1..50, newest first;
 *  - a 折扣 coupon's redemption in a generated order is worth its max_discount_limit (the order generator takes one
 *    amount per coupon); without a limit it is never redeemed.
 * Batches belong to the access token's shop; another shop's batch is "not found".
 */

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const SHOP_TYPES = [21, 22, 23];
const ITEM_TYPES = [41, 42, 43];
const DISCOUNT_TYPES = [21, 41];
const DIRECT_TYPES = [22, 42];
const MAX_LIMIT = 50; // ASSUMED

export type DyCouponStatus = 1 | 2 | 3 | 4;

function id(v: string): unknown {
  return /^\d{1,19}$/.test(v) ? rawNumber(v) : v;
}

/** "yyyy-MM-dd HH:mm:ss" Beijing time -> ms; anything else is refused naming the field */
export function beijingTime(p: Record<string, unknown>, field: string): number {
  const v = requireStr(p, field);
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(v);
  const ms = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - BEIJING_OFFSET_MS : NaN;
  if (!m || !Number.isFinite(ms) || beijingText(ms) !== v) throw new SimError('param_invalid', `${field} must be "yyyy-MM-dd HH:mm:ss" (Beijing time)`);
  return ms;
}

export function beijingText(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000 + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

export function dyCouponStatus(c: SimCoupon, now: number): DyCouponStatus {
  if (now > c.endTime) return 4;
  if ((c.stoppedAt ?? null) !== null) return 2;
  return now < c.startTime ? 1 : 3;
}

/** a Douyin batch of this shop (one with params made by marketing.createCoupon); else not found */
function ownCoupon(store: SimStore, shop: ShopState, couponMetaId: string): SimCoupon {
  const c = store.coupons.get(couponMetaId);
  if (!c || c.shopId !== shop.platformShopId || !c.params) throw new SimError('not_found', `coupon_meta_id ${couponMetaId} 优惠券不存在 (does not exist)`);
  return c;
}

function typeDetail(store: SimStore, shop: ShopState, p: Record<string, unknown>, type: number): string {
  const detail = requireStr(p, 'type_detail');
  if (SHOP_TYPES.includes(type)) {
    if (detail !== shop.platformShopId) throw new SimError('param_invalid', `type_detail of a shop coupon (type ${type}) must be this shop's id ${shop.platformShopId}`);
    return detail;
  }
  const ids = detail.split(',').map((s) => s.trim());
  for (const itemId of ids) {
    if (!/^\d+$/.test(itemId)) throw new SimError('param_invalid', `type_detail of an item coupon must be product ids joined by ",", not ${JSON.stringify(detail)}`);
    const product = store.products.get(itemId);
    if (!product || product.shopId !== shop.platformShopId) throw new SimError('business', `type_detail: ${itemId} is not a product of this shop`);
  }
  return ids.join(',');
}

/** marketing.createCoupon: validates what the facts list, answers {coupon_meta_id} */
export function dyCouponCreate(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  const name = requireStr(p, 'coupon_name');
  const type = requireInt(p, 'type');
  if (!SHOP_TYPES.includes(type) && !ITEM_TYPES.includes(type)) throw new SimError('param_invalid', 'type must be 21/22/23 (shop 折扣/直减/满减) or 41/42/43 (item)');
  const detail = typeDetail(store, shop, p, type);
  let credit = 0;
  let threshold = 0;
  let worth = 0;
  if (DISCOUNT_TYPES.includes(type)) {
    requireInt(p, 'discount', { min: 1, max: 99 });
    worth = intParam(p, 'max_discount_limit', { min: 1 }) ?? 0;
  } else {
    credit = requireInt(p, 'credit', { min: 1 });
    worth = credit;
    if (!DIRECT_TYPES.includes(type)) {
      threshold = requireInt(p, 'threshold', { min: 1 });
      if (threshold <= credit) throw new SimError('param_invalid', 'threshold must be greater than credit (满减)');
    }
  }
  const start = beijingTime(p, 'start_apply_time');
  const end = beijingTime(p, 'end_apply_time');
  if (end <= start) throw new SimError('param_invalid', 'end_apply_time must be after start_apply_time');
  if (end <= now) throw new SimError('param_invalid', 'end_apply_time is in the past');
  if (p.coupon_period_type !== undefined) throw new SimError('param_invalid', 'coupon_period_type is not a parameter (period_type is)');
  const periodType = requireInt(p, 'period_type');
  if (periodType === 1) {
    const from = beijingTime(p, 'start_time');
    if (beijingTime(p, 'expire_time') <= from) throw new SimError('param_invalid', 'expire_time must be after start_time');
  } else if (periodType === 2) requireInt(p, 'valid_period', { min: 1 });
  else throw new SimError('param_invalid', 'period_type must be 1 (start_time..expire_time) or 2 (valid_period days)');
  const totalAmount = requireInt(p, 'total_amount', { min: 1 });
  requireInt(p, 'max_apply_times', { min: 1 });
  const payType = intParam(p, 'pay_type');
  if (payType !== undefined && ![0, 1, 2].includes(payType)) throw new SimError('param_invalid', 'pay_type must be 0 (货到付款), 1 (在线支付) or 2 (both)');
  intParam(p, 'is_show', { min: 0, max: 9 });
  const params = plain(p) as Record<string, unknown>;
  const c = store.addCoupon({
    shopId: shop.platformShopId,
    denominationYuan: worth / 100,
    conditionYuan: threshold / 100,
    startTime: start,
    endTime: end,
    name,
    outerUniqueKey: null,
    totalStock: totalAmount,
    stoppedAt: null,
    params: { ...params, type_detail: detail },
  });
  return { coupon_meta_id: id(c.couponId) };
}

/** marketing.AbleCouponMeta: status 2 invalidates (stops) this shop's batch, 3 enables it again (not after it expired) */
export function dyCouponAble(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  const c = ownCoupon(store, shop, requireId(p, 'coupon_meta_id'));
  const status = requireInt(p, 'status');
  if (status !== 2 && status !== 3) throw new SimError('param_invalid', 'status must be 2 (invalidate) or 3 (enable)');
  if (dyCouponStatus(c, now) === 4) {
    if (status === 3) throw new SimError('business', `coupon_meta_id ${c.couponId} has expired; it cannot be enabled`);
    return { res: true };
  }
  if (status === 2 && (c.stoppedAt ?? null) === null) c.stoppedAt = now;
  if (status === 3) c.stoppedAt = null;
  return { res: true };
}

function couponJson(c: SimCoupon, now: number): Record<string, unknown> {
  const p = c.params ?? {};
  const used = c.used ?? 0;
  return {
    coupon_meta_id: id(c.couponId),
    coupon_name: c.name,
    type: p.type,
    status: dyCouponStatus(c, now),
    credit: p.credit ?? 0,
    threshold: p.threshold ?? 0,
    discount: p.discount ?? 0,
    max_discount_limit: p.max_discount_limit ?? 0,
    total_amount: c.totalStock,
    left_amount: Math.max(0, (c.totalStock ?? 0) - used),
    used_amount: used,
    max_apply_times: p.max_apply_times,
    day_max_apply_times: 0,
    type_detail: p.type_detail,
    start_apply_time: beijingText(c.startTime),
    end_apply_time: beijingText(c.endTime),
    period_type: p.period_type,
    ...(p.period_type === 1 ? { start_time: p.start_time, expire_time: p.expire_time } : { valid_period: p.valid_period }),
    pay_type: p.pay_type ?? 2,
    is_show: p.is_show ?? 0,
    shop_id: id(c.shopId),
    create_time: beijingText(c.createdAt),
  };
}

/** marketing.GetShopCouponMetaList: this shop's batches, newest first, filtered; {count, shop_coupon_meta_list} */
export function dyCouponList(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  const offset = intParam(p, 'offset', { min: 0 }) ?? 0;
  const limit = intParam(p, 'limit', { min: 1, max: MAX_LIMIT }) ?? 10;
  const metaId = idParam(p, 'coupon_meta_id');
  const name = strParam(p, 'coupon_name');
  const type = intParam(p, 'type');
  const types = Array.isArray(p.types) ? p.types.map((t) => Number(String(t))) : null;
  const statuses = Array.isArray(p.statuses) ? p.statuses.map((s) => Number(String(s))) : null;
  const isShow = intParam(p, 'is_show', { min: -1, max: 9 }) ?? -1;
  const all = [...store.coupons.values()]
    .filter((c) => c.shopId === shop.platformShopId && c.params)
    .filter((c) => (metaId === undefined || c.couponId === metaId) && (name === undefined || (c.name ?? '').includes(name)))
    .filter((c) => (type === undefined || c.params!.type === type) && (types === null || types.includes(Number(c.params!.type))))
    .filter((c) => (statuses === null || statuses.includes(dyCouponStatus(c, now))) && (isShow === -1 || (c.params!.is_show ?? 0) === isShow))
    .reverse();
  return { count: all.length, shop_coupon_meta_list: all.slice(offset, offset + limit).map((c) => couponJson(c, now)) };
}

/** marketing.GetCouponDetail: one batch of this shop */
export function dyCouponDetail(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  return couponJson(ownCoupon(store, shop, requireId(p, 'coupon_meta_id')), now);
}

/**
 * order.orderDetail's promotion amounts and `promotion_detail` (DD-ZSM order_orderDetail_response.go) for an order
 * with a discount: everything is shop-borne in the simulator. A redeemed batch of this store is one
 * shop_discount_detail.coupon_info line (coupon_meta_id = the batch id, coupon_amount fen); the rest of the discount
 * one full_discount_info line (campaign_type 150 立减). order.searchList carries the amounts only.
 */
export function dyPromotionDetail(store: SimStore, o: SimOrder): Record<string, unknown> {
  const batch = o.coupon ? store.coupons.get(o.coupon.couponId) : undefined;
  const couponFen = batch?.params ? o.coupon!.amountFen : 0;
  const rest = Math.max(0, o.discountFen - couponFen);
  const empty = { total_amount: 0, coupon_amount: 0, full_discount_amount: 0, coupon_info: [], full_discount_info: [] };
  return {
    promotion_shop_amount: o.discountFen,
    promotion_platform_amount: 0,
    promotion_talent_amount: 0,
    promotion_pay_amount: 0,
    total_promotion_amount: o.discountFen,
    shop_cost_amount: o.discountFen,
    platform_cost_amount: 0,
    promotion_detail: {
      shop_discount_detail: {
        total_amount: o.discountFen,
        coupon_amount: couponFen,
        full_discount_amount: rest,
        coupon_info:
          couponFen > 0
            ? [
                {
                  coupon_id: id(`71${o.orderId.slice(2)}`),
                  coupon_type: batch!.params!.type,
                  coupon_meta_id: batch!.couponId,
                  coupon_amount: couponFen,
                  coupon_name: batch!.name ?? '',
                  share_discount_cost: { platform_cost: 0, shop_cost: couponFen, author_cost: 0 },
                },
              ]
            : [],
        full_discount_info: rest > 0 ? [{ campaign_id: id(`33${o.orderId.slice(2)}`), campaign_type: 150, campaign_name: '立减', campaign_amount: rest, campaign_sub_type: 0 }] : [],
      },
      platform_discount_detail: { ...empty, redpack_info: [], gold_coin_amount: 0 },
      kol_discount_detail: { ...empty, redpack_info: [] },
    },
  };
}
