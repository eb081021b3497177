import { createHash } from 'node:crypto';

/** Jushuitan open API: MD5(app_secret + sorted key+value of all form fields except sign), lowercase. */
export function jushuitanSign(params: Record<string, string>, appSecret: string): string {
  const pairs = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  return createHash('md5').update(`${appSecret}${pairs}`, 'utf8').digest('hex');
}
