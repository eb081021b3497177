import type { Platform } from '@app/contracts';

/**
 * Default `baseUrl` of a new shop: the platform's production host (origin only; adapters append
 * their own path, e.g. /router/rest or /ark/open_api/v3/common_controller). Tests and the demo
 * pass the simulator's URL instead.
 */
export const PLATFORM_PRODUCTION_BASE_URL: Record<Platform, string> = {
  douyin: 'https://openapi-fxg.jinritemai.com',
  taobao: 'https://eco.taobao.com',
  xiaohongshu: 'https://ark.xiaohongshu.com',
};
