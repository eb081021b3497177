/** The three alert levels (issue 10 item 3), lowest first. */
export const ALERT_LEVELS = ['info', 'warning', 'critical'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

export const LEVEL_NAMES: Record<AlertLevel, { zh: string; en: string }> = {
  info: { zh: '提示', en: 'info' },
  warning: { zh: '警告', en: 'warning' },
  critical: { zh: '严重', en: 'critical' },
};

export function levelRank(level: AlertLevel): number {
  return ALERT_LEVELS.indexOf(level);
}

/** the kinds of alert channel: the three chat robots and a generic HMAC-signed webhook */
export const ALERT_CHANNEL_KINDS = ['dingtalk', 'feishu', 'wecom', 'webhook'] as const;
export type AlertChannelKind = (typeof ALERT_CHANNEL_KINDS)[number];

/** kinds whose robot signs (DingTalk 加签, Feishu 签名校验) or whose body we sign (webhook): a secret is required */
export const SIGNED_KINDS: ReadonlySet<AlertChannelKind> = new Set(['dingtalk', 'feishu', 'webhook']);
