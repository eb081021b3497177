import { createHmac } from 'node:crypto';

/**
 * DingTalk custom robot 加签 (MARKETING-KUAISHOU-ALERTS.md 3.1): HMAC-SHA256 with key = secret over
 * `${timestampMs}\n${secret}`, Base64; sent URL-encoded as `&timestamp=<ms>&sign=<sign>` on the webhook URL.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** the DingTalk webhook URL with the signed timestamp and sign in the query */
export function dingtalkSignedUrl(url: string, secret: string, timestampMs: number): string {
  const u = new URL(url);
  u.searchParams.set('timestamp', String(timestampMs));
  u.searchParams.set('sign', dingtalkSign(secret, timestampMs));
  return u.toString();
}

/**
 * Feishu custom bot 签名校验 (3.2): `${timestampSec}\n${secret}` is the HMAC-SHA256 *key*, the MAC is over an
 * empty message, Base64; `timestamp` (seconds, as a string) and `sign` go in the JSON body.
 */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update(Buffer.alloc(0)).digest('base64');
}
