import type { PlatformManifest } from '../platform-manifest';
import { XiaohongshuAdapter } from './xiaohongshu.adapter';

/** Xiaohongshu (小红书 ark). PROTOCOLS.md section 3. */
export const xiaohongshuManifest: PlatformManifest<XiaohongshuAdapter> = {
  name: 'xiaohongshu',
  displayName: 'Xiaohongshu (小红书)',
  adapter: XiaohongshuAdapter,
  createAdapter: (deps) => new XiaohongshuAdapter(deps),
  orderIntake: 'push',
  stockDeltaIdempotent: false,
  productionHosts: ['ark.xiaohongshu.com'],
  productionBaseUrl: 'https://ark.xiaohongshu.com',
  productionAuthorizeUrl: 'https://ark.xiaohongshu.com/ark/authorization',
  authorizeQuery(q, p) {
    q.set('appId', p.appKey);
    q.set('redirectUri', p.redirectUri);
    q.set('state', p.state);
  },
  // title at most 50 characters (each 1); sale price strictly below the original, at most 100,000 yuan
  listingRules: { titleMax: 50, titleCount: 'chars', requiredAttributes: [], minPriceFen: 1, maxPriceFen: 10_000_000, salePriceBelowOriginal: true },
  // MARKETING-KUAISHOU-ALERTS.md 1.3: the official ark API index (2025-09) has no 营销 / 优惠券 category [C]
  coupons: {
    operations: null,
    missingReason: 'Xiaohongshu publishes no coupon or marketing API (ark API index 2025-09); create the coupon in the 小红书千帆 merchant backend',
    kinds: {},
    audiences: {},
    productScope: false,
    cannotCarry: [],
    createIdempotencyKey: null,
    amountUnit: null,
    denominationsFen: null,
  },
};
