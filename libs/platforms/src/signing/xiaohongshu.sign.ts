import { createHash } from 'node:crypto';

export interface XhsSignInput {
  method: string;
  appId: string;
  timestamp: string;
  version: string;
  appSecret: string;
}

export function xhsStringToSign(i: XhsSignInput): string {
  return `${i.method}?appId=${i.appId}&timestamp=${i.timestamp}&version=${i.version}${i.appSecret}`;
}

/** Xiaohongshu Ark signature: MD5 over method, appId, timestamp, version + secret; lowercase hex. */
export function xhsSign(i: XhsSignInput): string {
  return createHash('md5').update(xhsStringToSign(i), 'utf8').digest('hex');
}
