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
    // 2.4: ?app_id=&redirect_uri=&scope=a,b&response_type=code&state= (the code is valid 2 minutes, once)
    q.set('app_id', p.appKey);
    q.set('redirect_uri', p.redirectUri);
    q.set('scope', 'merchant_item,merchant_order,merchant_refund,merchant_logistics,merchant_user');
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
  // MARKETING-KUAISHOU-ALERTS.md 1.4 lists Kuaishou's coupon APIs; not wired yet (the coupon issue's part)
  coupons: {
    operations: null,
    missingReason: 'Kuaishou coupon APIs (MARKETING-KUAISHOU-ALERTS.md 1.4) are not wired into omnisync yet; create the coupon in the 快手小店 merchant backend',
    kinds: {},
    audiences: {},
    productScope: false,
    cannotCarry: [],
    createIdempotencyKey: null,
    amountUnit: null,
    denominationsFen: null,
  },
};
