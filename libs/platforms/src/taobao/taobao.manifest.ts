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
};
