import { createHash, createHmac } from 'node:crypto';

export type TaobaoSignMethod = 'md5' | 'hmac' | 'hmac-sha256';

/** Sorted key+value concatenation of every non-empty parameter except `sign`. */
export function taobaoSortedPairs(params: Record<string, string | undefined | null>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && k !== '' && params[k] !== undefined && params[k] !== null && params[k] !== '')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
}

/** TOP request signature (and TMC connect signature with md5), UPPERCASE hex. */
export function taobaoSign(params: Record<string, string | undefined | null>, appSecret: string, signMethod?: TaobaoSignMethod): string {
  const method = signMethod ?? (params.sign_method as TaobaoSignMethod | undefined) ?? 'md5';
  const pairs = taobaoSortedPairs(params);
  switch (method) {
    case 'md5':
      return createHash('md5').update(`${appSecret}${pairs}${appSecret}`, 'utf8').digest('hex').toUpperCase();
    case 'hmac':
      return createHmac('md5', appSecret).update(pairs, 'utf8').digest('hex').toUpperCase();
    case 'hmac-sha256':
      return createHmac('sha256', appSecret).update(pairs, 'utf8').digest('hex').toUpperCase();
    default: {
      const never: never = method;
      throw new Error(`unknown taobao sign_method ${String(never)}`);
    }
  }
}
