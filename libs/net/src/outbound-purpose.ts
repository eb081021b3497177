import type { Platform } from '@app/contracts';

/**
 * What an outbound call is for. Platform calls go only to the platform's known hosts (plus the
 * operator's allowances); ERP endpoints and alert webhooks may be any public address.
 */
export type PlatformPurpose = `platform:${Platform}`;
export type OutboundPurpose = PlatformPurpose | 'erp' | 'webhook';

export const platformPurpose = (platform: Platform): PlatformPurpose => `platform:${platform}`;

/**
 * The platforms' production API hosts (../shared/platforms/PROTOCOLS.md 1.1, 2.1, 2.4, 3.1). Sandboxes
 * and simulators are operator allowances (OUTBOUND_ALLOW_HOSTS or the platform base URL overrides).
 */
export const PLATFORM_PRODUCTION_HOSTS: Readonly<Record<Platform, readonly string[]>> = {
  douyin: ['openapi-fxg.jinritemai.com'],
  // TOP router (http and https) and the TMC message host
  taobao: ['eco.taobao.com', 'gw.api.taobao.com', 'mc.api.taobao.com'],
  xiaohongshu: ['ark.xiaohongshu.com'],
};
