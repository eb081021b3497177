import type { Platform } from '@app/contracts';

/**
 * What an outbound call is for. Platform calls go only to the platform's known hosts (plus the
 * operator's allowances); ERP endpoints and alert webhooks may be any public address.
 */
export type PlatformPurpose = `platform:${Platform}`;
/** the chat robots an alert channel can post to (../shared/platforms/MARKETING-KUAISHOU-ALERTS.md section 3) */
export type AlertRobot = 'dingtalk' | 'feishu' | 'wecom';
export type AlertRobotPurpose = `alert:${AlertRobot}`;
export type OutboundPurpose = PlatformPurpose | AlertRobotPurpose | 'erp' | 'webhook';

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

export const alertRobotPurpose = (robot: AlertRobot): AlertRobotPurpose => `alert:${robot}`;

/**
 * The robots' production hosts (MARKETING-KUAISHOU-ALERTS.md 3.1-3.3): a robot channel's URL goes there or to an
 * operator allowance (OUTBOUND_ALLOW_HOSTS: the simulators in the demo and tests), never anywhere else. A
 * generic alert webhook is purpose 'webhook' (any public address).
 */
export const ALERT_ROBOT_HOSTS: Readonly<Record<AlertRobot, readonly string[]>> = {
  dingtalk: ['oapi.dingtalk.com'],
  feishu: ['open.feishu.cn', 'open.larksuite.com'],
  wecom: ['qyapi.weixin.qq.com'],
};
