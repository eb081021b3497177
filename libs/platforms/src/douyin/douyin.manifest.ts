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
};
