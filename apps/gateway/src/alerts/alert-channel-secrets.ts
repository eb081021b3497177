import type { SecretBox } from '@app/persistence';
import type { AlertChannelKind } from './alert-levels';

/** what a channel's sealed `credentials` hold: the URL (its token is the robot's credential) and the signing secret */
export interface AlertChannelSecrets {
  url: string;
  secret: string | null;
}

/** associated data binding a channel's blob to its row: a blob copied to another channel fails to open */
export function alertChannelAad(channelId: string): string {
  return `core.alert_channels/${channelId}/credentials`;
}

export function sealChannelSecrets(box: SecretBox, channelId: string, s: AlertChannelSecrets): Buffer {
  return box.sealJson({ url: s.url, secret: s.secret }, alertChannelAad(channelId));
}

export function openChannelSecrets(box: SecretBox, channelId: string, blob: Buffer): AlertChannelSecrets {
  return box.openJson<AlertChannelSecrets>(blob, alertChannelAad(channelId));
}

/** the URL as shown: DingTalk access_token, WeCom key and the Feishu hook token masked but their last 4 characters; a webhook's query dropped */
export function maskChannelUrl(kind: AlertChannelKind, raw: string): string {
  const u = new URL(raw);
  const mask = (t: string) => (t.length <= 4 ? '****' : `****${t.slice(-4)}`);
  if (kind === 'dingtalk' || kind === 'wecom') {
    const param = kind === 'dingtalk' ? 'access_token' : 'key';
    const t = u.searchParams.get(param);
    u.search = t === null ? '' : `?${param}=${mask(t)}`;
    return u.toString();
  }
  if (kind === 'feishu') {
    const parts = u.pathname.split('/');
    parts[parts.length - 1] = mask(parts[parts.length - 1] ?? '');
    u.pathname = parts.join('/');
    u.search = '';
    return u.toString().replace(/%2A/g, '*');
  }
  u.search = '';
  return u.toString();
}
