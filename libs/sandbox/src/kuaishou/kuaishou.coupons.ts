import { rawNumber } from '@app/platforms/signing';
import { idParam, intParam, plain, requireId, requireInt, requireStr, strParam } from '../core/lossless';
import { SimError } from '../core/sim-error';
import type { ShopState, SimStore } from '../core/store';
import type { SimCoupon } from '../core/types';

/**
 * Kuaishou merchant coupons (open.promotion.coupon.*, MARKETING-KUAISHOU-ALERTS.md 1.4). Field names are [C]
 * (KS-PY), their descriptions [C-weak]; what the facts leave open is the simulator's assumption, marked ASSUMED:
 *  - amounts (threshold, reduceAmount) are integer fen [U: "probably fen"];
 *  - a repeated outerUniqueKey of the same shop answers the SAME couponId and makes no second coupon, whatever
 *    the other parameters say (the facts call outerUniqueKey the idempotency key; the duplicate answer is unknown);
 *  - the create answers `{couponId}`, the list `{total, pageNo, pageSize, couponList[]}` [U: shapes not seen];
 *  - coupon.over of a coupon already ended succeeds and changes nothing;
 *  - page.list pageSize is at most 50 and lists the newest coupon first.
 * Coupons belong to the access token's shop; another shop's coupon is "not found".
 */

const DAY_MS = 86_400_000;
/** Beijing time, UTC+8 (no daylight saving) */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const LAST_SECOND_OF_DAY = 86_399;
const FRONT_TYPES = [10, 11]; // 10 新粉券, 11 粉丝券
const RECEIVE_CHANNELS = ['1', '74', '40', '76']; // 商详, 客服发券, 全部推广渠道, 活动渠道
const LIST_TARGET_TYPES = [0, 1, 15]; // item, shop, 主播红包
const MAX_PAGE_SIZE = 50; // ASSUMED

/** sellerCouponStatus of a coupon: 1 not started, 2 claimable, 3 ended (over'd or past receiveEndTime) */
export type KsCouponStatus = 1 | 2 | 3;

/** milliseconds since 00:00:00 Beijing time of the instant's day */
export function beijingMsOfDay(ms: number): number {
  return (((ms + BEIJING_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
}

function id(v: string): unknown {
  return /^\d{1,19}$/.test(v) ? rawNumber(v) : v;
}

export function ksCouponStatus(c: SimCoupon, now: number): KsCouponStatus {
  if ((c.stoppedAt ?? null) !== null || now > c.endTime) return 3;
  return now < c.startTime ? 1 : 2;
}

function ownCoupon(store: SimStore, shop: ShopState, couponId: string): SimCoupon {
  const c = store.coupons.get(couponId);
  // a Taobao-shaped coupon (no params) is never a Kuaishou one; another shop's coupon is not found
  if (!c || c.shopId !== shop.platformShopId || !c.params) throw new SimError('not_found', `coupon ${couponId} does not exist`);
  return c;
}

function itemIds(store: SimStore, shop: ShopState, p: Record<string, unknown>, targetType: number): string[] {
  const raw = p.itemIds;
  const list = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : null;
  if (list === null) throw new SimError('param_invalid', 'itemIds must be a list of item ids');
  if (targetType === 1) {
    if (list.length > 0) throw new SimError('param_invalid', 'itemIds is only for couponTargetType 0 (item)');
    return [];
  }
  if (list.length === 0) throw new SimError('param_missing', 'itemIds is required when couponTargetType is 0 (item)');
  return list.map((v, i) => {
    const itemId = idParam({ v }, 'v');
    if (itemId === undefined) throw new SimError('param_invalid', `itemIds[${i}] is empty`);
    const product = store.products.get(itemId);
    if (!product || product.shopId !== shop.platformShopId) throw new SimError('business', `itemIds: ${itemId} is not an item of this shop`);
    return itemId;
  });
}

/** open.promotion.coupon.create (POST): validates what the facts list, returns {couponId} */
export function ksCouponCreate(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  const key = strParam(p, 'outerUniqueKey') || null;
  if (key !== null && key.length > 60) throw new SimError('param_invalid', 'outerUniqueKey must be at most 60 characters');
  if (key !== null) {
    // ASSUMED: the repeat of a create (same shop, same outerUniqueKey) answers the first coupon's id
    for (const c of store.coupons.values()) if (c.shopId === shop.platformShopId && c.outerUniqueKey === key) return { couponId: id(c.couponId) };
  }
  const name = requireStr(p, 'name');
  const targetType = requireInt(p, 'couponTargetType');
  // 2 category and 3 all-platform exist (facts 1.4) but are not simulated
  if (targetType !== 0 && targetType !== 1) throw new SimError('param_invalid', 'couponTargetType must be 0 (item) or 1 (shop)');
  const items = itemIds(store, shop, p, targetType);
  const threshold = requireInt(p, 'threshold', { min: 0 });
  const reduceAmount = requireInt(p, 'reduceAmount', { min: 1 });
  if (threshold !== 0 && threshold <= reduceAmount) throw new SimError('param_invalid', 'threshold must be 0 (no threshold) or greater than reduceAmount');
  const totalStock = requireInt(p, 'totalStock', { min: 1 });
  requireInt(p, 'receivePerLimit', { min: 1 });
  const start = requireInt(p, 'receiveStartTime', { min: 0 });
  const end = requireInt(p, 'receiveEndTime', { min: 0 });
  if (Math.floor(beijingMsOfDay(start) / 1000) !== 0) throw new SimError('param_invalid', 'receiveStartTime must be 00:00:00 Beijing time (UTC+8), in ms');
  if (Math.floor(beijingMsOfDay(end) / 1000) !== LAST_SECOND_OF_DAY) throw new SimError('param_invalid', 'receiveEndTime must be 23:59:59 Beijing time (UTC+8), in ms');
  if (end < start) throw new SimError('param_invalid', 'receiveEndTime must be after receiveStartTime');
  if (end <= now) throw new SimError('param_invalid', 'receiveEndTime is in the past');
  const validityType = requireInt(p, 'validityType');
  if (validityType === 1) {
    const from = requireInt(p, 'validStartTime', { min: 0 });
    if (requireInt(p, 'validEndTime', { min: 0 }) <= from) throw new SimError('param_invalid', 'validEndTime must be after validStartTime');
  } else if (validityType === 2) requireInt(p, 'fixedValidityTime', { min: 1 });
  else throw new SimError('param_invalid', 'validityType must be 1 (validStartTime..validEndTime) or 2 (fixedValidityTime days)');
  const frontType = intParam(p, 'couponFrontType');
  if (frontType !== undefined && !FRONT_TYPES.includes(frontType)) throw new SimError('param_invalid', 'couponFrontType must be 10 (新粉券) or 11 (粉丝券)');
  const channels = strParam(p, 'receiveChannel');
  if (channels !== undefined && !channels.split(',').every((c) => RECEIVE_CHANNELS.includes(c.trim()))) {
    throw new SimError('param_invalid', `receiveChannel must be a comma list of ${RECEIVE_CHANNELS.join(', ')}`);
  }
  const params = plain(p) as Record<string, unknown>;
  const c = store.addCoupon({
    shopId: shop.platformShopId,
    denominationYuan: reduceAmount / 100,
    conditionYuan: threshold / 100,
    startTime: start,
    endTime: end,
    name,
    outerUniqueKey: key,
    totalStock,
    stoppedAt: null,
    params: { ...params, itemIds: items },
  });
  return { couponId: id(c.couponId) };
}

/** open.promotion.coupon.over (POST): ends this shop's coupon now (an ended one: nothing changes, ASSUMED) */
export function ksCouponOver(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  const c = ownCoupon(store, shop, requireId(p, 'couponId'));
  if (ksCouponStatus(c, now) !== 3) c.stoppedAt = now;
  return {};
}

/** open.promotion.coupon.stock.add (POST): totalStock += incrementNum; refused once the coupon has ended */
export function ksCouponStockAdd(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  const c = ownCoupon(store, shop, requireId(p, 'couponId'));
  const n = requireInt(p, 'incrementNum', { min: 1 });
  if (ksCouponStatus(c, now) === 3) throw new SimError('business', `coupon ${c.couponId} has ended; its stock cannot be added`);
  c.totalStock = (c.totalStock ?? 0) + n;
  return {};
}

/**
 * open.promotion.coupon.statistic (couponId, businessLine 1): the coupon's usage from the simulator's own orders.
 * ASSUMED (the response fields are [U], seen in an app model): couponReceiveNum = couponUsedNum = the orders that
 * redeemed it and were not refunded or cancelled (the simulator has no claim without use), usedCouponAmt their
 * discount in fen.
 */
export function ksCouponStatistic(store: SimStore, shop: ShopState, p: Record<string, unknown>): unknown {
  const c = ownCoupon(store, shop, requireId(p, 'couponId'));
  const line = intParam(p, 'businessLine') ?? 1;
  if (line !== 1) throw new SimError('param_invalid', 'businessLine must be 1 (快手小店)');
  const t = store.couponTruth(c.couponId);
  return { couponId: id(c.couponId), couponReceiveNum: t.net, couponReceiveUserCnt: t.net, couponUsedNum: t.net, couponUsedUserCnt: t.net, usedCouponAmt: t.amountFen };
}

function couponJson(c: SimCoupon, now: number): Record<string, unknown> {
  const p = c.params ?? {};
  return {
    couponId: id(c.couponId),
    name: c.name,
    couponTargetType: p.couponTargetType,
    itemIds: ((p.itemIds as string[] | undefined) ?? []).map(id),
    status: ksCouponStatus(c, now),
    threshold: p.threshold,
    reduceAmount: p.reduceAmount,
    totalStock: c.totalStock,
    receivePerLimit: p.receivePerLimit,
    receiveStartTime: c.startTime,
    receiveEndTime: c.endTime,
    validityType: p.validityType,
    ...(p.validityType === 1 ? { validStartTime: p.validStartTime, validEndTime: p.validEndTime } : { fixedValidityTime: p.fixedValidityTime }),
    ...(p.couponFrontType !== undefined ? { couponFrontType: p.couponFrontType } : {}),
    // [U] whether the real list returns outerUniqueKey is unconfirmed; the simulator does
    outerUniqueKey: c.outerUniqueKey ?? '',
    createTime: c.createdAt,
  };
}

/** open.promotion.coupon.page.list (GET): this shop's coupons of one couponTargetType, newest first, pageNo from 1 */
export function ksCouponPageList(store: SimStore, shop: ShopState, p: Record<string, unknown>, now = Date.now()): unknown {
  const targetType = requireInt(p, 'couponTargetType');
  if (!LIST_TARGET_TYPES.includes(targetType)) throw new SimError('param_invalid', 'couponTargetType must be 0 (item), 1 (shop) or 15 (主播红包)');
  const status = intParam(p, 'sellerCouponStatus', { min: 0, max: 3 }) ?? 0;
  const pageNo = intParam(p, 'pageNo', { min: 1 }) ?? 1;
  const pageSize = intParam(p, 'pageSize', { min: 1, max: MAX_PAGE_SIZE }) ?? 20;
  const all = [...store.coupons.values()]
    .filter((c) => c.shopId === shop.platformShopId && c.params && c.params.couponTargetType === targetType)
    .filter((c) => status === 0 || ksCouponStatus(c, now) === status)
    .reverse();
  const page = all.slice((pageNo - 1) * pageSize, pageNo * pageSize);
  return { total: all.length, pageNo, pageSize, couponList: page.map((c) => couponJson(c, now)) };
}
