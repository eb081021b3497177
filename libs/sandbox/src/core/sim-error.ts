/**
 * Everything a simulator can refuse a call for. Each platform simulator maps a kind to its own
 * real envelope (Douyin code/sub_code, Taobao error_response, Xiaohongshu success:false).
 */
export type SimErrorKind =
  | 'app_key_missing'
  | 'app_key_invalid'
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_invalid'
  | 'method_invalid'
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'auth_revoked'
  | 'rate_limited'
  | 'busy'
  | 'param_missing'
  | 'param_invalid'
  | 'malformed'
  | 'too_large'
  | 'not_found'
  | 'business';

export class SimError extends Error {
  constructor(
    readonly kind: SimErrorKind,
    message: string,
    readonly extra: { retryAfterSec?: number; subCode?: string; code?: number } = {},
  ) {
    super(message);
    this.name = 'SimError';
  }
}
