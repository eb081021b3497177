import { UpstreamError } from '@app/contracts';
import { rawNumber } from '../signing';
import { num, str, type Json } from '../http';
import { couponDraftChecks } from '../coupon-draft-checks';
import type { CouponDraft, PlatformCoupon } from '../capabilities';

/**
 * CouponDraft -> open.promotion.coupon.create parameters (MARKETING-KUAISHOU-ALERTS.md 1.4; field names [C] KS-PY,
 * descriptions [C-weak], amounts taken as fen [U: "probably fen"]).
 *  - threshold kind: threshold + reduceAmount; direct: threshold 0 + reduceAmount; discount is not expressible.
 *  - the claim window is whole Beijing days: receiveStartTime 00:00:00 of claimStartsAt's day, receiveEndTime
 *    23:59:59 of the day holding the window's last instant (claimEndsAt - 1 ms, so an end at Beijing midnight
 *    does not add a day). The coupon job stops the coupon at the campaign's real end (coupon.over).
 *  - validity fixed: validityType 1 + validStartTime / validEndTime (ms); after_claim: validityType 2 + fixedValidityTime (days).
 *  - audience everyone: no couponFrontType; followers: couponFrontType 11 (粉丝券).
 *  - products: couponTargetType 0 + itemIds; none: couponTargetType 1 (shop).
 *  - outerUniqueKey = draft.idempotencyKey (≤ 60 characters).
 */

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;
export const KS_OUTER_KEY_MAX = 60;
/** couponTargetType */
export const KS_TARGET_ITEM = 0;
export const KS_TARGET_SHOP = 1;
/** couponFrontType 11: 粉丝券 (followers) [C-weak] */
export const KS_FRONT_FOLLOWERS = 11;

/** 00:00:00.000 Beijing time (UTC+8) of the instant's day, in ms */
export function beijingDayStart(ms: number): number {
  return Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS) * DAY_MS - BEIJING_OFFSET_MS;
}

const { refuse, time, fen } = couponDraftChecks('kuaishou');

/** a numeric id as an exact JSON number; anything else as a string */
function id(v: string): unknown {
  return /^\d{1,19}$/.test(v) ? rawNumber(v) : v;
}

export function ksCouponCreateParams(d: CouponDraft): Record<string, unknown> {
  if (!d.idempotencyKey || d.idempotencyKey.length > KS_OUTER_KEY_MAX) throw refuse(`outerUniqueKey (idempotencyKey) must be 1..${KS_OUTER_KEY_MAX} characters`);
  let threshold: number;
  let reduceAmount: number;
  if (d.kind === 'threshold') {
    reduceAmount = fen('amountFen', d.amountFen, 1);
    threshold = fen('thresholdFen', d.thresholdFen, reduceAmount + 1);
  } else if (d.kind === 'direct') {
    reduceAmount = fen('amountFen', d.amountFen, 1);
    threshold = 0;
  } else throw refuse(`kind ${d.kind}: open.promotion.coupon.create takes threshold + reduceAmount only (no rate with a cap)`);
  if (d.audience !== 'everyone' && d.audience !== 'followers') throw refuse(`audience ${d.audience}: open.promotion.coupon.create cannot target it`);
  const claimStart = time('claimStartsAt', d.claimStartsAt);
  const claimEnd = time('claimEndsAt', d.claimEndsAt);
  if (claimEnd <= claimStart) throw refuse('claimEndsAt must be after claimStartsAt');
  let validity: Record<string, unknown>;
  if (d.validity.kind === 'fixed') {
    const from = time('validity.from', d.validity.from);
    const until = time('validity.until', d.validity.until);
    if (until <= from) throw refuse('validity.until must be after validity.from');
    validity = { validityType: 1, validStartTime: from, validEndTime: until };
  } else {
    const days = d.validity.days;
    if (days === null || !Number.isInteger(days) || days < 1) throw refuse('validity.days must be a whole number of days >= 1');
    validity = { validityType: 2, fixedValidityTime: days };
  }
  if (!Number.isInteger(d.totalQuantity) || d.totalQuantity < 1) throw refuse('totalQuantity must be an integer >= 1');
  if (!Number.isInteger(d.perUserLimit) || d.perUserLimit < 1) throw refuse('perUserLimit must be an integer >= 1');
  const items = d.platformProductIds;
  return {
    name: d.name,
    couponTargetType: items.length > 0 ? KS_TARGET_ITEM : KS_TARGET_SHOP,
    ...(items.length > 0 ? { itemIds: items.map(id) } : {}),
    ...(d.audience === 'followers' ? { couponFrontType: KS_FRONT_FOLLOWERS } : {}),
    threshold,
    reduceAmount,
    totalStock: d.totalQuantity,
    receivePerLimit: d.perUserLimit,
    receiveStartTime: beijingDayStart(claimStart),
    receiveEndTime: beijingDayStart(claimEnd - 1) + DAY_MS - 1000,
    ...validity,
    outerUniqueKey: d.idempotencyKey,
  };
}

/** sellerCouponStatus / a list item's status: 1 not started, 2 claimable, 3 ended */
export function ksCouponStatus(v: unknown): PlatformCoupon['status'] {
  const s = num(v, NaN);
  if (s === 1) return 'not_started';
  if (s === 2) return 'claimable';
  if (s === 3) return 'ended';
  throw new UpstreamError('kuaishou', 'retryable', `open.promotion.coupon.page.list returned an unknown coupon status ${str(v) || 'none'}`);
}

/** a page.list item as a PlatformCoupon */
export function ksCouponFromListItem(item: Json): PlatformCoupon {
  const total = num(item.totalStock, NaN);
  return { platformCouponId: str(item.couponId), status: ksCouponStatus(item.status ?? item.sellerCouponStatus), totalQuantity: Number.isFinite(total) ? total : null };
}
