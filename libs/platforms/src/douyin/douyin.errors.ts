import { UpstreamError } from '@app/contracts';

export const DOUYIN_SUCCESS = 10000;

const NOT_FOUND = /not[-_ ]?exist|no[-_ ]?existed|not[-_ ]?found|不存在/i;

/**
 * Douyin `code` / `sub_code` to the UpstreamError taxonomy (PROTOCOLS.md 1.3).
 *   20000 busy -> retryable; 60000 flow control -> rate_limited; 40003 isv.access-token-expired ->
 *   auth_expired; 30001 dop.authorization-* -> auth_revoked; 50001 token-expired/invalid/no-authorization
 *   (token APIs) -> auth_revoked; 70000 isp.api-service-off -> invalid_request; *-not-exist -> not_found;
 *   90000 -> retryable; everything else -> invalid_request.
 * 70000 says the API itself is offline or not open to this app ("API不存在或API已下线"): a configuration or
 * capability fault that no retry mends and that says nothing about the object asked for. Its text contains
 * 不存在, so it is decided before the not-found test: read as not_found, findProductByOuterId would answer
 * "no such product" and a publish retry would create the product a second time.
 */
export function douyinError(code: number, subCode: string, msg: string, defaultWaitMs: number): UpstreamError {
  const details = { code: String(code), subCode: subCode || undefined };
  const text = `${code} ${subCode} ${msg}`.trim();
  switch (code) {
    case 20000:
    case 90000:
      return new UpstreamError('douyin', 'retryable', text, details);
    case 60000:
      return new UpstreamError('douyin', 'rate_limited', text, { ...details, retryAfterMs: defaultWaitMs });
    case 70000:
      return new UpstreamError('douyin', 'invalid_request', text, details);
    case 30001:
      if (subCode.startsWith('dop.authorization-')) return new UpstreamError('douyin', 'auth_revoked', text, details);
      return new UpstreamError('douyin', 'invalid_request', text, details);
    case 40003:
      if (subCode === 'isv.access-token-expired') return new UpstreamError('douyin', 'auth_expired', text, details);
      break;
    case 50001:
      if (/token-expired|token-invalid|no-authorization/.test(subCode)) return new UpstreamError('douyin', 'auth_revoked', text, details);
      break;
    default:
      break;
  }
  if (!/access-token/.test(subCode) && (NOT_FOUND.test(subCode) || NOT_FOUND.test(msg))) return new UpstreamError('douyin', 'not_found', text, details);
  return new UpstreamError('douyin', 'invalid_request', text, details);
}
