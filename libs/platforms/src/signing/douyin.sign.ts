import { createHash, createHmac } from 'node:crypto';

export type DouyinSignMethod = 'hmac-sha256' | 'md5';

export interface DouyinSignInput {
  appKey: string;
  appSecret: string;
  method: string;
  /** canonical param_json, exactly the body sent */
  paramJson: string;
  timestamp: string;
  v?: string;
  signMethod?: DouyinSignMethod;
}

export function douyinStringToSign(i: DouyinSignInput): string {
  const v = i.v ?? '2';
  return `${i.appSecret}app_key${i.appKey}method${i.method}param_json${i.paramJson}timestamp${i.timestamp}v${v}${i.appSecret}`;
}

/** Douyin open-API request signature, lowercase hex. */
export function douyinSign(i: DouyinSignInput): string {
  const text = douyinStringToSign(i);
  if ((i.signMethod ?? 'hmac-sha256') === 'md5') return createHash('md5').update(text, 'utf8').digest('hex');
  return createHmac('sha256', i.appSecret).update(text, 'utf8').digest('hex');
}

/** Douyin push `event-sign` header: MD5(app_key + raw body + app_secret), lowercase hex. */
export function douyinPushSign(appKey: string, rawBody: Buffer | string, appSecret: string): string {
  return createHash('md5')
    .update(appKey, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .update(appSecret, 'utf8')
    .digest('hex');
}
