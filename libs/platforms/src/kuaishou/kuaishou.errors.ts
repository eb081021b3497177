import { UpstreamError, type UpstreamErrorKind } from '@app/contracts';
import { REFRESH_TOKEN_SUPERSEDED } from '../http';

/** `result` of a successful call */
export const KS_SUCCESS = 1;

/**
 * API `result` codes (MARKETING-KUAISHOU-ALERTS.md 2.3). No official table is published: 24 / 12 token
 * error / empty and 21 authentication (KS-PHP, qihangerp) are read as an expired token (refresh once, then
 * re-authorise); 22/25/26 authorisation as revoked; 27/28 signature and the 3000xx business codes as our
 * fault; 15/16/17/1016/1017/802000 and the "Exceed qps/quota limit" texts as flow control; 300014 (refund
 * updated: read again and retry) as retryable; 300011 as not_found.
 */
const API_CODES: Readonly<Record<number, UpstreamErrorKind>> = {
  12: 'auth_expired',
  21: 'auth_expired',
  24: 'auth_expired',
  22: 'auth_revoked',
  25: 'auth_revoked',
  26: 'auth_revoked',
  27: 'invalid_request',
  28: 'invalid_request',
  15: 'rate_limited',
  16: 'rate_limited',
  17: 'rate_limited',
  1016: 'rate_limited',
  1017: 'rate_limited',
  802000: 'rate_limited',
  300011: 'not_found',
  300014: 'retryable',
};

/** OAuth `result` codes (2.4); 100200102 access_denied is resolved by its error_msg in ksOAuthError */
const OAUTH_CODES: Readonly<Record<number, UpstreamErrorKind>> = {
  100200100: 'invalid_request',
  100200101: 'auth_revoked', // unauthorized_client
  100200103: 'invalid_request',
  100200104: 'invalid_request',
  100200105: 'invalid_request', // invalid_grant (bad code)
  100200106: 'invalid_request',
  100200107: 'auth_revoked', // invalid_openid
  100200500: 'retryable', // server_error
};

const RATE_TEXT = /exceed (qps|quota) limit|限流|频繁/i;
const BUSY_TEXT = /busy|繁忙|timeout|超时|系统(异常|错误)|服务端异常|system error|try again|稍后重试/i;
const NOT_FOUND_TEXT = /not ?exist|not ?found|不存在/i;

export function ksError(result: number, msg: string, subCode: string, defaultWaitMs: number): UpstreamError {
  const details = { code: String(result), subCode: subCode || undefined };
  const text = `${result} ${subCode ? `${subCode} ` : ''}${msg}`.trim();
  const kind: UpstreamErrorKind =
    API_CODES[result] ?? (RATE_TEXT.test(msg) ? 'rate_limited' : BUSY_TEXT.test(msg) ? 'retryable' : NOT_FOUND_TEXT.test(msg) ? 'not_found' : 'invalid_request');
  return new UpstreamError('kuaishou', kind, text, kind === 'rate_limited' ? { ...details, retryAfterMs: defaultWaitMs } : details);
}

/**
 * OAuth errors `{result, error, error_msg}`. 100200102 access_denied: `refreshToken.discarded` means the refresh
 * token was already used — by another process that refreshed first, or by us with the answer lost — and carries
 * REFRESH_TOKEN_SUPERSEDED so the caller reads the stored tokens before deciding the shop must re-authorise;
 * `invalid refresh_token` / `refreshToken.revokedAuthorization` are a revoked authorisation.
 */
export function ksOAuthError(result: number, error: string, msg: string): UpstreamError {
  const text = `${result} ${error} ${msg}`.trim();
  const details = { code: String(result), subCode: msg || error || undefined };
  if (result === 100200102) {
    if (/discarded/i.test(msg)) return new UpstreamError('kuaishou', 'auth_revoked', text, { ...details, code: REFRESH_TOKEN_SUPERSEDED });
    return new UpstreamError('kuaishou', 'auth_revoked', text, details);
  }
  return new UpstreamError('kuaishou', OAUTH_CODES[result] ?? 'invalid_request', text, details);
}
