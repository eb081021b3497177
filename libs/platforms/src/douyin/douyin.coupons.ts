import { UpstreamError } from '@app/contracts';
import { num, str, type Json } from '../http';
import { formatGmt8 } from '../signing';
import { couponDraftChecks } from '../coupon-draft-checks';
import type { CouponDraft, PlatformCoupon } from '../capabilities';

/**
 * CouponDraft -> marketing.createCoupon parameters (MARKETING-KUAISHOU-ALERTS.md 1.1; the marketing.* family is
 * [C] in one 2021 SDK only, DD-LES, its current availability [U]: the manifest marks every call unconfirmed, so the
 * coupon app sends these only with COUPON_UNCONFIRMED_APIS_ENABLED). Snake_case on the wire (the SDK's
 * PropertyNamingStrategy.SNAKE_CASE); decisions:
 *  - amounts (credit, threshold, max_discount_limit) in fen [U: "likely fen", every Doudian order amount is fen];
 *  - type from kind and scope: shop 23 满减 / 22 直减 / 21 折扣, products 43 / 42 / 41;
 *    discount = the rate in 折 x10 (ratePermille 850 = 8.5折 -> 85; a rate that is not a whole 0.1折 is refused);
 *  - type_detail: the shop's platform id for a shop coupon, the item ids joined by ',' for an item coupon;
 *  - claim window -> start_apply_time / end_apply_time, validity fixed -> start_time / expire_time, all
 *    "yyyy-MM-dd HH:mm:ss" Beijing time (the SDK's @JsonFormat), to the second (a fraction is cut);
 *  - validity after_claim -> period_type 2 + valid_period (days), fixed -> period_type 1. The facts table names it
 *    `coupon_period_type`, but the SDK's field is `periodType` under SNAKE_CASE (`period_type` on the wire) and its
 *    list answer reads @JsonProperty("period_type"): we send what the SDK sends;
 *  - total_amount = totalQuantity, max_apply_times = perUserLimit, pay_type 2 (COD and online), is_show 0 (全网推广:
 *    everyone; 新客专享's number conflicts in the SDK, 2 or 3, so new_customers is refused here rather than guessed);
 *  - no op_name (the SDK author says it is not in the docs), no url.
 * No idempotency key exists on marketing.createCoupon: see douyinCouponMatches for how a lost answer is resolved.
 */

/** type: shop coupons */
export const DY_TYPE_SHOP_DISCOUNT = 21;
export const DY_TYPE_SHOP_DIRECT = 22;
export const DY_TYPE_SHOP_THRESHOLD = 23;
/** type: single-item coupons */
export const DY_TYPE_ITEM_DISCOUNT = 41;
export const DY_TYPE_ITEM_DIRECT = 42;
export const DY_TYPE_ITEM_THRESHOLD = 43;
/** AbleCouponMeta status: 2 invalidate (stop), 3 enable */
export const DY_ABLE_INVALIDATE = 2;

const { refuse, time, fen } = couponDraftChecks('douyin');

/** "yyyy-MM-dd HH:mm:ss" in Beijing time (UTC+8, no daylight saving) */
export function beijingDateTime(ms: number): string {
  return formatGmt8(new Date(ms));
}

/** the coupon type of a draft (kind x scope) */
export function douyinCouponType(d: Pick<CouponDraft, 'kind' | 'platformProductIds'>): number {
  const item = d.platformProductIds.length > 0;
  if (d.kind === 'threshold') return item ? DY_TYPE_ITEM_THRESHOLD : DY_TYPE_SHOP_THRESHOLD;
  if (d.kind === 'direct') return item ? DY_TYPE_ITEM_DIRECT : DY_TYPE_SHOP_DIRECT;
  return item ? DY_TYPE_ITEM_DISCOUNT : DY_TYPE_SHOP_DISCOUNT;
}

/** marketing.createCoupon params for the draft in the shop whose Douyin shop id is platformShopId */
export function douyinCouponCreateParams(d: CouponDraft, platformShopId: string): Record<string, unknown> {
  if (!d.name.trim()) throw refuse('coupon_name (name) is required');
  const type = douyinCouponType(d);
  let amounts: Record<string, unknown>;
  if (d.kind === 'threshold') {
    const credit = fen('amountFen', d.amountFen, 1);
    amounts = { threshold: fen('thresholdFen', d.thresholdFen, credit + 1), credit };
  } else if (d.kind === 'direct') {
    amounts = { credit: fen('amountFen', d.amountFen, 1) };
  } else {
    const rate = d.ratePermille;
    if (rate === null || !Number.isInteger(rate) || rate % 10 !== 0 || rate < 10 || rate > 990) {
      throw refuse(`ratePermille ${rate}: discount takes a whole 0.1折 from 0.1折 to 9.9折 (a multiple of 10 permille, 10..990)`);
    }
    amounts = { discount: rate / 10, ...(d.maxDiscountFen !== null ? { max_discount_limit: fen('maxDiscountFen', d.maxDiscountFen, 1) } : {}) };
  }
  if (d.audience !== 'everyone') throw refuse(`audience ${d.audience}: only is_show 0 (全网推广, everyone) is sent (the 新客专享 number conflicts in the SDK)`);
  const claimStart = time('claimStartsAt', d.claimStartsAt);
  const claimEnd = time('claimEndsAt', d.claimEndsAt);
  if (claimEnd <= claimStart) throw refuse('claimEndsAt must be after claimStartsAt');
  let validity: Record<string, unknown>;
  if (d.validity.kind === 'fixed') {
    const from = time('validity.from', d.validity.from);
    const until = time('validity.until', d.validity.until);
    if (until <= from) throw refuse('validity.until must be after validity.from');
    validity = { period_type: 1, start_time: beijingDateTime(from), expire_time: beijingDateTime(until) };
  } else {
    const days = d.validity.days;
    if (days === null || !Number.isInteger(days) || days < 1) throw refuse('validity.days must be a whole number of days >= 1');
    validity = { period_type: 2, valid_period: days };
  }
  if (!Number.isInteger(d.totalQuantity) || d.totalQuantity < 1) throw refuse('totalQuantity must be an integer >= 1');
  if (!Number.isInteger(d.perUserLimit) || d.perUserLimit < 1) throw refuse('perUserLimit must be an integer >= 1');
  if (d.platformProductIds.length === 0 && !platformShopId) throw refuse('type_detail: a shop coupon needs the Douyin shop id');
  return {
    coupon_name: d.name,
    type,
    ...amounts,
    start_apply_time: beijingDateTime(claimStart),
    end_apply_time: beijingDateTime(claimEnd),
    ...validity,
    total_amount: d.totalQuantity,
    max_apply_times: d.perUserLimit,
    type_detail: d.platformProductIds.length > 0 ? d.platformProductIds.join(',') : platformShopId,
    pay_type: 2,
    is_show: 0,
  };
}

/**
 * true when a marketing.GetShopCouponMetaList item is the coupon `params` would create: the same coupon_name, type,
 * apply window (to the second), amounts (credit / threshold / discount) and type_detail. marketing.createCoupon has
 * no idempotency key, and a buyer-visible coupon_name with a key suffix would need a name length limit no source
 * gives: the campaign's own name and exact window stand for the key. Two campaigns of one shop with the same name,
 * window and amounts cannot be told apart (findCoupon then refuses to choose; see the adapter).
 */
export function douyinCouponMatches(item: Json, params: Record<string, unknown>): boolean {
  const same = (field: string) => params[field] === undefined || str(item[field]) === String(params[field]);
  return (
    str(item.coupon_name) === params.coupon_name &&
    num(item.type, NaN) === params.type &&
    str(item.start_apply_time) === params.start_apply_time &&
    str(item.end_apply_time) === params.end_apply_time &&
    same('credit') &&
    same('threshold') &&
    same('discount') &&
    same('type_detail')
  );
}

/** status: 1 not active, 2 invalidated, 3 enabled, 4 expired [C] DD-LES CouponStatus */
export function douyinCouponStatus(v: unknown, startApplyTime: string, now = Date.now()): PlatformCoupon['status'] {
  const s = num(v, NaN);
  if (s === 2 || s === 4) return 'ended';
  if (s === 1) return 'not_started';
  if (s === 3) {
    // enabled: claimable from start_apply_time (a Beijing "yyyy-MM-dd HH:mm:ss")
    const start = Date.parse(`${startApplyTime.replace(' ', 'T')}+08:00`);
    return Number.isFinite(start) && now < start ? 'not_started' : 'claimable';
  }
  throw new UpstreamError('douyin', 'retryable', `marketing.GetShopCouponMetaList returned an unknown coupon status ${str(v) || 'none'}`);
}

/** a GetShopCouponMetaList item as a PlatformCoupon */
export function douyinCouponFromListItem(item: Json, now = Date.now()): PlatformCoupon {
  const total = num(item.total_amount, NaN);
  return { platformCouponId: str(item.coupon_meta_id), status: douyinCouponStatus(item.status, str(item.start_apply_time), now), totalQuantity: Number.isFinite(total) ? total : null };
}
