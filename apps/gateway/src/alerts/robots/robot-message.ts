import { LEVEL_NAMES, type AlertLevel } from '../alert-levels';

/** one alert in a message: fired, repeated while open, or resolved */
export interface AlertMessageItem {
  key: string;
  rule: string;
  level: AlertLevel;
  event: 'firing' | 'repeat' | 'resolved' | 'test';
  merchantId: string | null;
  summary: { zh: string; en: string };
  /** ISO-8601: when it first fired */
  since: string;
}

/** what one HTTP message to a channel carries: one or several alerts (grouped within a short window) */
export interface AlertMessage {
  items: AlertMessageItem[];
  /** ISO-8601 */
  at: string;
}

const EVENT_NAMES: Record<AlertMessageItem['event'], { zh: string; en: string }> = {
  firing: { zh: '告警', en: 'firing' },
  repeat: { zh: '持续', en: 'still firing' },
  resolved: { zh: '已恢复', en: 'resolved' },
  test: { zh: '测试', en: 'test' },
};

/** the highest level among the message's items that are not resolved (resolved-only messages: the highest level) */
export function headLevel(m: AlertMessage): AlertLevel {
  const open = m.items.filter((i) => i.event !== 'resolved');
  const pool = open.length > 0 ? open : m.items;
  return pool.some((i) => i.level === 'critical') ? 'critical' : pool.some((i) => i.level === 'warning') ? 'warning' : 'info';
}

/** `[严重 critical] omnisync 告警 alerts: 2` — one line, Chinese with English beside it */
export function messageTitle(m: AlertMessage): string {
  const level = LEVEL_NAMES[headLevel(m)];
  if (m.items.length === 1) {
    const i = m.items[0];
    const ev = EVENT_NAMES[i.event];
    return `[${level.zh} ${level.en}] ${ev.zh} ${ev.en}: ${i.summary.zh} / ${i.summary.en}`;
  }
  const resolved = m.items.filter((i) => i.event === 'resolved').length;
  return `[${level.zh} ${level.en}] omnisync 告警 ${m.items.length} alerts${resolved > 0 ? ` (已恢复 resolved ${resolved})` : ''}`;
}

/** one markdown line per item (DingTalk, Feishu lark_md and WeCom share this subset: bold, plain text) */
export function itemLine(i: AlertMessageItem): string {
  const level = LEVEL_NAMES[i.level];
  const ev = EVENT_NAMES[i.event];
  return `**${level.zh} ${level.en} · ${ev.zh} ${ev.en}** ${i.summary.zh} / ${i.summary.en}\n> key: ${i.key} · since ${i.since}`;
}

export function markdownBody(m: AlertMessage): string {
  return m.items.map(itemLine).join('\n\n') + `\n\n*omnisync ${m.at}*`;
}
