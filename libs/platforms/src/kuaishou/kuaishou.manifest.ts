import type { PlatformManifest } from '../platform-manifest';
import { KuaishouAdapter, type KuaishouAdapterOptions } from './kuaishou.adapter';
import { KS_ORDER_STATUS } from './kuaishou.status';

/** Kuaishou (快手小店). MARKETING-KUAISHOU-ALERTS.md section 2; the shop's app secret is composite (kuaishou.credentials.ts). */
export const kuaishouManifest: PlatformManifest<KuaishouAdapter> = {
  name: 'kuaishou',
  displayName: 'Kuaishou (快手小店)',
  adapter: KuaishouAdapter,
  createAdapter: (deps, options) => new KuaishouAdapter(deps, options as KuaishouAdapterOptions | undefined),
  // AES-encrypted HTTP pushes to POST /webhooks/kuaishou?appKey=<appKey> (verifyKuaishouPush), answered {"result":1}
  orderIntake: 'push',
  // open.item.sku.stock.update is a delta (changeType 1/2) without an idempotency id: a retried delta would apply twice
  stockDeltaIdempotent: false,
  productionHosts: ['openapi.kwaixiaodian.com'],
  productionBaseUrl: 'https://openapi.kwaixiaodian.com',
  productionAuthorizeUrl: 'https://open.kwaixiaodian.com/oauth/authorize',
  authorizeQuery(q, p) {
    // 2.4: ?app_id=&redirect_uri=&scope=a,b&response_type=code&state= (the code is valid 2 minutes, once);
    // merchant_promotion (读取或更新营销信息) is what every open.promotion.* coupon API needs (1.4)
    q.set('app_id', p.appKey);
    q.set('redirect_uri', p.redirectUri);
    q.set('scope', 'merchant_item,merchant_order,merchant_refund,merchant_logistics,merchant_user,merchant_promotion');
    q.set('response_type', 'code');
    q.set('state', p.state);
  },
  // title limits unconfirmed for Kuaishou [U]: 30 Chinese characters counted as GBK width (60), as Douyin; price > 0, fen
  listingRules: { titleMax: 60, titleCount: 'gbk_width', requiredAttributes: [], minPriceFen: 1, maxPriceFen: null, salePriceBelowOriginal: false },
  statusMap: KS_ORDER_STATUS,
  // KS-DOC API限流说明.md (2.3): per app / per user; a hidden global per-API limit can throttle below these
  apiQps: {
    'open.item.new': { perApp: 100, perUser: 50 },
    'open.item.edit': { perApp: 100, perUser: 50 },
    'open.item.autopass.edit': { perApp: 100, perUser: 50 },
    'open.item.shelf.status.update': { perApp: 100, perUser: 50 },
    'open.item.delete': { perApp: 100, perUser: 50 },
    'open.order.cursor.list': { perApp: 300, perUser: 300 },
    'open.order.decrypt.batch': { perApp: 100, perUser: 100 },
  },
  // MARKETING-KUAISHOU-ALERTS.md 1.4. Method names are [C] (KS-PHP, KS-PY, KS-PY2, KS-TS); the create's parameter
  // descriptions are [C-weak] and its amount unit is [U] ("probably fen"), so create stays unconfirmed (used only with
  // COUPON_UNCONFIRMED_APIS_ENABLED). KuaishouAdapter implements create (coupon.create), readBack (page.list by
  // outerUniqueKey) and stop (coupon.over); changeStock / readUsage / issueToUser are facts only, not built.
  coupons: {
    operations: {
      create: {
        api: 'open.promotion.coupon.create',
        confirmed: false,
        note: 'field names [C], descriptions [C-weak]; threshold / reduceAmount probably fen [U]; claim window whole Beijing days (00:00:00..23:59:59); outerUniqueKey ≤ 60 characters, what a repeated key answers is unknown',
      },
      stop: { api: 'open.promotion.coupon.over', confirmed: true, note: '结束优惠券 (couponId); what it answers for a coupon already ended is not documented' },
      changeStock: { api: 'open.promotion.coupon.stock.add', confirmed: true, note: 'couponId + incrementNum: adds only, no decrease seen' },
      readBack: {
        api: 'open.promotion.coupon.page.list',
        confirmed: false,
        note: 'GET, couponTargetType + sellerCouponStatus 0 all / 1 not started / 2 claimable / 3 ended, pageNo from 1 [C-weak]; whether its items carry outerUniqueKey is unconfirmed [U]',
      },
      readUsage: { api: 'open.promotion.coupon.statistic', confirmed: false, note: 'couponId, businessLine 1; response fields (couponReceiveNum, couponUsedNum, usedCouponAmt...) seen only in an app model [U]' },
      issueToUser: { api: 'open.promotion.coupon.send', confirmed: true, note: 'couponConfigId, userOpenId, receiveChannel, outerId (idempotency); only through a channel allowed at create' },
    },
    kinds: {
      threshold: { api: 'open.promotion.coupon.create (threshold > reduceAmount)', confirmed: false, note: 'amounts probably fen [U]' },
      direct: { api: 'open.promotion.coupon.create (threshold 0)', confirmed: false, note: 'threshold 0 = no threshold is not stated in the facts' },
    },
    kindGaps: { discount: 'open.promotion.coupon.create takes threshold + reduceAmount only: no rate, no cap' },
    audiences: {
      everyone: { api: 'open.promotion.coupon.create (no couponFrontType)', confirmed: false, note: 'a coupon without couponFrontType taken as a public shop coupon (descriptions [C-weak])' },
      followers: { api: 'open.promotion.coupon.create (couponFrontType 11 粉丝券)', confirmed: false, note: 'couponFrontType descriptions [C-weak]; 10 新粉券 (new followers, extInfo focusSecondTime) not used' },
    },
    audienceGaps: {
      new_customers: 'new-customer coupons are a separate API (open.promotion.shop.newbie.create, 店铺新人券: couponPrice, couponBase, couponEnd), not built',
      member_level: 'coupon.create has no member-level field; open.merchant.member.* manages members, not coupon targets',
      crowd_tags: 'crowd packages (open.promotion.crowd.*) exist, but whether a coupon can be bound to a crowd id is not visible in the create params [U]',
    },
    productScope: true,
    cannotCarry: [
      'a claim window finer than whole days (receiveStartTime 00:00:00, receiveEndTime 23:59:59 Beijing time): the coupon job must stop the coupon at the campaign end itself (open.promotion.coupon.over)',
      'a per-coupon budget cap',
    ],
    createIdempotencyKey: 'outerUniqueKey',
    amountUnit: 'fen',
    denominationsFen: null,
  },
};
