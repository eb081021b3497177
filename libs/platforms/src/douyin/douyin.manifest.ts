import type { PlatformManifest } from '../platform-manifest';
import { DouyinAdapter } from './douyin.adapter';

/** Douyin (抖店). PROTOCOLS.md section 1. */
export const douyinManifest: PlatformManifest<DouyinAdapter> = {
  name: 'douyin',
  displayName: 'Douyin (抖店)',
  adapter: DouyinAdapter,
  createAdapter: (deps) => new DouyinAdapter(deps),
  orderIntake: 'push',
  // sku.syncStock with incremental=true deduplicates by idempotent_id
  stockDeltaIdempotent: true,
  productionHosts: ['openapi-fxg.jinritemai.com'],
  productionBaseUrl: 'https://openapi-fxg.jinritemai.com',
  productionAuthorizeUrl: 'https://fuwu.jinritemai.com/authorize',
  authorizeQuery(q, p) {
    // PROTOCOLS.md 1.6: ?service_id=&state=. Unconfirmed: service_id is the service-market id, which may
    // differ from the app key, and the callback may be only the one registered for the app.
    q.set('service_id', p.appKey);
    q.set('state', p.state);
    q.set('redirect_uri', p.redirectUri);
  },
  // 抖店: title at most 30 Chinese characters, counted like Taobao (60 width units); price > 0; brand 品牌 required
  listingRules: { titleMax: 60, titleCount: 'gbk_width', requiredAttributes: ['品牌'], minPriceFen: 1, maxPriceFen: null, salePriceBelowOriginal: false },
  // MARKETING-KUAISHOU-ALERTS.md 1.1: the shop coupon family marketing.* is in one 2021 SDK only (DD-LES) and absent
  // from the 2023 and 2026 generated SDKs: every method is [C] in that SDK but its current availability is [U],
  // so none is confirmed and all stay behind COUPON_UNCONFIRMED_APIS_ENABLED. The most controllable family of the
  // three platforms here when it works: create, enable/invalidate, stock, issue with unique_id, read-back with counts.
  coupons: {
    operations: {
      create: { api: 'marketing.createCoupon', confirmed: false, note: 'type 21 shop 折扣 / 22 shop 直减 / 23 shop 满减, 41-43 item coupons; credit/threshold probably fen [U]; no idempotency key' },
      stop: { api: 'marketing.AbleCouponMeta', confirmed: false, note: 'status 2 invalidates (stops), 3 enables' },
      changeStock: { api: 'marketing.AdjustShopCouponMeta', confirmed: false, note: 'current_total_amount = the new total' },
      issueToUser: { api: 'marketing.ApplyCoupon', confirmed: false, note: 'unique_id is the idempotency key' },
      readUsage: { api: 'marketing.GetCouponDetail', confirmed: false, note: 'left_amount, used_amount' },
      readBack: { api: 'marketing.GetShopCouponMetaList', confirmed: false, note: 'by coupon_name and the apply window' },
    },
    kinds: {
      threshold: { api: 'marketing.createCoupon type 23 / 43', confirmed: false },
      direct: { api: 'marketing.createCoupon type 22 / 42', confirmed: false },
      discount: { api: 'marketing.createCoupon type 21 / 41 (discount 85 = 8.5折, max_discount_limit)', confirmed: false },
    },
    audiences: {
      everyone: { api: 'is_show 0 全网推广', confirmed: false },
      new_customers: { api: 'is_show 新客专享', confirmed: false, note: 'two conflicting numberings of is_show in DD-LES (2 or 3)' },
    },
    audienceGaps: {
      followers: 'Douyin shop coupons have no follower targeting in any stored source',
      member_level: 'is_show 会员开卡礼 is a gift on joining, not a member-level target; member.batchUpdate only writes levels',
      crowd_tags: 'no crowd or tag API for Douyin shop coupons was found',
    },
    productScope: true,
    cannotCarry: [],
    createIdempotencyKey: null,
    amountUnit: 'fen',
    denominationsFen: null,
  },
};
