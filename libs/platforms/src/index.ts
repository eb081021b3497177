export * from './platform-adapter.port';
export * from './signing';
export * from './shop-directory.port';
export * from './platform-adapter.registry';
export * from './platform-manifest';
export * from './capabilities';
export * from './coupon-capability';
export * from './registry';
export { DouyinAdapter } from './douyin/douyin.adapter';
export { TaobaoAdapter, type TaobaoAdapterOptions } from './taobao/taobao.adapter';
export type { TaobaoApp } from './taobao/taobao.protocol';
export { XiaohongshuAdapter } from './xiaohongshu/xiaohongshu.adapter';
export { xhsPushSign, XHS_PUSH_MAX_SKEW_SEC } from './xiaohongshu/xiaohongshu.push';
export type { PlatformHttpOptions, PlatformAdapterDeps, QpsScope } from './http';
export { DEFAULT_TOKEN_REFRESH_MARGIN_MS, platformLimitKey } from './http';
// PlatformsModule: import from '@app/platforms/platforms.module' (Nest is ESM-only; the barrel stays Nest-free for jest)
export * from './operator-config';
