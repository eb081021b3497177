import { GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER, signGenericRequest } from '@app/erp';
import type { AlertChannelKind } from '../alert-levels';
import { headLevel, markdownBody, messageTitle, type AlertMessage } from './robot-message';
import { dingtalkSignedUrl, feishuSign } from './robot-signatures';

/** the exact request a channel gets for a message (what is signed is what is sent) */
export interface RobotRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface ChannelTarget {
  kind: AlertChannelKind;
  url: string;
  /** DingTalk SEC… secret, Feishu signing secret, webhook HMAC secret; WeCom has none (the key in its URL is the credential) */
  secret: string | null;
}

const FEISHU_TEMPLATE = { critical: 'red', warning: 'orange', info: 'blue' } as const;
const WECOM_COLOUR = { critical: 'warning', warning: 'comment', info: 'info' } as const;
/** WeCom markdown content: at most 4096 bytes (3.3); DingTalk and Feishu bodies are kept under Feishu's 20 KB */
const WECOM_MAX_BYTES = 4096;
const MAX_BODY_BYTES = 19 * 1024;

/** The message in the tool's own format (MARKETING-KUAISHOU-ALERTS.md section 3), signed where the tool signs. */
export function renderRobotRequest(target: ChannelTarget, m: AlertMessage, now: number = Date.now()): RobotRequest {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const title = messageTitle(m);
  switch (target.kind) {
    case 'dingtalk': {
      const text = clip(`### ${title}\n\n${markdownBody(m)}`, MAX_BODY_BYTES);
      const url = target.secret ? dingtalkSignedUrl(target.url, target.secret, now) : target.url;
      return { url, headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: clip(title, 200), text } }) };
    }
    case 'feishu': {
      const card = {
        header: { title: { tag: 'plain_text', content: clip(title, 200) }, template: FEISHU_TEMPLATE[headLevel(m)] },
        elements: [{ tag: 'div', text: { tag: 'lark_md', content: clip(markdownBody(m), MAX_BODY_BYTES) } }],
      };
      const ts = Math.floor(now / 1000);
      const signed = target.secret ? { timestamp: String(ts), sign: feishuSign(target.secret, ts) } : {};
      return { url: target.url, headers: json, body: JSON.stringify({ ...signed, msg_type: 'interactive', card }) };
    }
    case 'wecom': {
      const colour = WECOM_COLOUR[headLevel(m)];
      const content = clip(`### <font color="${colour}">${title}</font>\n${markdownBody(m)}`, WECOM_MAX_BYTES);
      return { url: target.url, headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { content } }) };
    }
    case 'webhook': {
      const body = JSON.stringify({ type: 'omnisync.alerts', v: 1, at: m.at, title, alerts: m.items });
      const ts = Math.floor(now / 1000);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (target.secret) {
        headers[GENERIC_TIMESTAMP_HEADER] = String(ts);
        headers[GENERIC_SIGNATURE_HEADER] = signGenericRequest(target.secret, ts, body);
      }
      return { url: target.url, headers, body };
    }
  }
}

/** cut a string to at most `maxBytes` UTF-8 bytes, on a character boundary, marking the cut */
export function clip(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const mark = '\n…';
  let out = '';
  let bytes = Buffer.byteLength(mark, 'utf8');
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out + mark;
}
