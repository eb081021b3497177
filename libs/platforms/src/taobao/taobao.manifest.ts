import type { PlatformManifest } from '../platform-manifest';
import { TaobaoAdapter, type TaobaoAdapterOptions } from './taobao.adapter';

/** Taobao / Tmall (TOP). PROTOCOLS.md section 2. Orders arrive over TMC, consumed by order-sync. */
export const taobaoManifest: PlatformManifest<TaobaoAdapter> = {
  name: 'taobao',
  displayName: 'Taobao (淘宝)',
  adapter: TaobaoAdapter,
  createAdapter: (deps, options) => new TaobaoAdapter(deps, (options ?? {}) as TaobaoAdapterOptions),
  orderIntake: 'tmc',
  // taobao.item.quantity.update type=2 is a delta without dedupe: pushed as a full overwrite
  stockDeltaIdempotent: false,
  // TOP router (http and https) and the TMC message host
  productionHosts: ['eco.taobao.com', 'gw.api.taobao.com', 'mc.api.taobao.com'],
  productionBaseUrl: 'https://eco.taobao.com',
  productionAuthorizeUrl: 'https://oauth.taobao.com/authorize',
  authorizeQuery(q, p) {
    q.set('response_type', 'code');
    q.set('client_id', p.appKey);
    q.set('redirect_uri', p.redirectUri);
    q.set('state', p.state);
    q.set('view', 'web');
  },
  // title at most 60 bytes counted GBK-style ("宝贝标题最多60个字节"); price > 0; brand 品牌 required
  listingRules: { titleMax: 60, titleCount: 'gbk_width', requiredAttributes: ['品牌'], minPriceFen: 1, maxPriceFen: null, salePriceBelowOriginal: false },
  // MARKETING-KUAISHOU-ALERTS.md 1.2. taobao.promotion.coupon.add is [C] and the only TOP API that makes a shop
  // coupon; it takes a face value, a threshold and a window, nothing else — no quantity, no per-user limit, no
  // product scope — and nothing in its family can stop or change it (it runs to end_time). The promotionmisc
  // activities can be deleted but are discounts, not coupons (item 2 of the issue); they are not used here.
  coupons: {
    operations: {
      create: { api: 'taobao.promotion.coupon.add', confirmed: true, note: 'denominations and condition in yuan; at most 50 shop coupons valid at once' },
      issueToUser: { api: 'taobao.promotion.coupon.send', confirmed: true, note: "only to the shop's members, 100 per call; is_success is true even when every buyer failed" },
      readBack: { api: 'taobao.promotion.coupons.get', confirmed: true, note: 'lists coupon_id, denominations and condition (in fen there), end_time; no usage counts' },
    },
    missing: {
      stop: 'taobao.promotion.coupon.* has no stop or delete: the coupon runs until its end_time; end it in 千牛 (营销中心) by hand',
      changeStock: 'taobao.promotion.coupon.add has no quantity: there is no stock to change on Taobao',
      readUsage: 'no TOP API returns claimed / used counts of a shop coupon (coupons.get lists no figures)',
    },
    kinds: {
      threshold: { api: 'taobao.promotion.coupon.add (condition > denominations)', confirmed: true },
      direct: { api: 'taobao.promotion.coupon.add (condition 0)', confirmed: false, note: 'condition 0 = no threshold is not stated in the stored docs' },
    },
    kindGaps: { discount: 'taobao.promotion.coupon.add takes a face value only: a rate with a cap is a promotionmisc discount activity, not a coupon' },
    audiences: { everyone: { api: 'taobao.promotion.coupon.add (public shop coupon)', confirmed: true } },
    audienceGaps: {
      new_customers: 'coupon.add has no audience; user_tag values for new customers are unconfirmed',
      followers: 'coupon.add has no audience; coupon.sns.send issues to named 微淘 fans one by one, not built',
      member_level: 'coupon.add has no audience; member grades exist only on promotionmisc activities',
      crowd_tags: 'coupon.add has no audience; CRM groups are not a coupon target',
    },
    productScope: false,
    cannotCarry: ['totalQuantity', 'perUserLimit', 'validity after claim', 'a per-coupon budget cap'],
    createIdempotencyKey: null,
    amountUnit: 'yuan',
    denominationsFen: [300, 500, 1000, 2000, 5000, 10000],
  },
};
