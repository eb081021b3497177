import { UpstreamError } from '@app/contracts';

const REVOKED = /revok|cancel|unauthori|not[-_ ]?authori|授权.*(取消|失效|关闭)/i;
const NOT_FOUND = /not[-_ ]?exist|not[-_ ]?found|不存在/i;

/** "This ban will last for 3 more seconds" -> 3000 */
export function taobaoBanMs(subMsg: string): number | undefined {
  const m = /(\d+)\s*(?:more\s*)?seconds?/i.exec(subMsg) ?? /(\d+)\s*秒/.exec(subMsg);
  return m ? Number(m[1]) * 1000 : undefined;
}

/**
 * TOP `error_response` to the UpstreamError taxonomy (PROTOCOLS.md 2.3):
 *   7 App Call Limited -> rate_limited (wait from sub_msg); 15 isp.* -> retryable; 15 isv.*-not-exist
 *   -> not_found, other isv.* -> invalid_request; 25 invalid signature -> invalid_request;
 *   27 invalid session -> auth_expired (auth_revoked when the sub code / message says revoked or cancelled);
 *   any other isp.* -> retryable; everything else -> invalid_request.
 */
export function taobaoError(code: number, msg: string, subCode: string, subMsg: string, defaultWaitMs: number): UpstreamError {
  const details = { code: String(code), subCode: subCode || undefined };
  const text = `${code} ${msg} ${subCode} ${subMsg}`.replace(/\s+/g, ' ').trim();
  if (code === 7 || subCode.startsWith('accesscontrol.limited')) {
    return new UpstreamError('taobao', 'rate_limited', text, { ...details, retryAfterMs: taobaoBanMs(subMsg) ?? defaultWaitMs });
  }
  if (code === 27) {
    if (REVOKED.test(subCode) || REVOKED.test(subMsg)) return new UpstreamError('taobao', 'auth_revoked', text, details);
    return new UpstreamError('taobao', 'auth_expired', text, details);
  }
  if (subCode.startsWith('isp.')) return new UpstreamError('taobao', 'retryable', text, details);
  if (NOT_FOUND.test(subCode)) return new UpstreamError('taobao', 'not_found', text, details);
  return new UpstreamError('taobao', 'invalid_request', text, details);
}
