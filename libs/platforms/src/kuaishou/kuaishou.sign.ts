import { createHash, createHmac } from 'node:crypto';

/** Kuaishou open-platform sign methods (MARKETING-KUAISHOU-ALERTS.md 2.2). */
export type KuaishouSignMethod = 'MD5' | 'HMAC_SHA256';

/** the only keys the sign covers; `sign` itself never */
export const KUAISHOU_SIGNED_KEYS = ['access_token', 'appkey', 'method', 'param', 'signMethod', 'timestamp', 'version'] as const;

/**
 * The string to sign: the signed keys present (null / undefined dropped), sorted by key (TreeMap order),
 * joined `k=v&k=v` with RAW values (not URL-encoded), then `&signSecret=<signSecret>`.
 */
export function kuaishouStringToSign(params: Readonly<Record<string, string | null | undefined>>, signSecret: string): string {
  const pairs = KUAISHOU_SIGNED_KEYS.filter((k) => params[k] !== null && params[k] !== undefined)
    .slice()
    .sort()
    .map((k) => `${k}=${params[k]}`);
  return `${pairs.join('&')}&signSecret=${signSecret}`;
}

/**
 * MD5: lowercase hex md5(string). HMAC_SHA256: Base64(HmacSHA256(key = signSecret, msg = string)) — the
 * secret is appended to the string AND is the HMAC key. The secret is the app's signSecret, never appSecret.
 */
export function kuaishouSign(params: Readonly<Record<string, string | null | undefined>>, signSecret: string, signMethod: KuaishouSignMethod = 'HMAC_SHA256'): string {
  const text = kuaishouStringToSign(params, signSecret);
  if (signMethod === 'MD5') return createHash('md5').update(text, 'utf8').digest('hex');
  return createHmac('sha256', signSecret).update(text, 'utf8').digest('base64');
}
