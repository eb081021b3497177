import { UpstreamError } from '@app/contracts';

/**
 * Xiaohongshu publishes no error-code numbers (PROTOCOLS.md 3.3): classify by `error_msg` text, first
 * match wins. Unknown messages are the caller's fault (invalid_request).
 */
export const XHS_ERROR_RULES: readonly [RegExp, 'auth_expired' | 'auth_revoked' | 'rate_limited' | 'retryable' | 'not_found' | 'invalid_request'][] = [
  [/(access ?token|令牌|token).*(expired|过期|失效)|(expired|过期).*(access ?token|token)/i, 'auth_expired'],
  [/revok|unauthori[sz]|not authori[sz]|授权.*(取消|失效|关闭|不存在)|(取消|解除)授权|no permission for seller/i, 'auth_revoked'],
  [/rate ?limit|too many|frequen|频繁|限流|流控|qps/i, 'rate_limited'],
  [/busy|繁忙|timeout|超时|unavailable|系统(异常|错误)|system error|internal|try again/i, 'retryable'],
  [/not ?exist|not ?found|不存在|找不到/i, 'not_found'],
];

export function xhsError(errorCode: string, errorMsg: string, defaultWaitMs: number): UpstreamError {
  const details = { code: errorCode || undefined };
  const text = `${errorCode} ${errorMsg}`.trim();
  for (const [re, kind] of XHS_ERROR_RULES) {
    if (re.test(errorMsg)) {
      return new UpstreamError('xiaohongshu', kind, text, kind === 'rate_limited' ? { ...details, retryAfterMs: defaultWaitMs } : details);
    }
  }
  return new UpstreamError('xiaohongshu', 'invalid_request', text, details);
}
