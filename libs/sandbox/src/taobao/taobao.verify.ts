import { parseGmt8, taobaoSign, type TaobaoSignMethod } from '@app/platforms/signing';
import { SimError } from '../core/sim-error';

export const TAOBAO_MAX_SKEW_SEC = 600;

export interface TaobaoVerified {
  appKey: string;
  method: string;
  session: string | undefined;
}

/**
 * Verifies a TOP request: method, app_key, sign over all non-empty parameters (md5 / hmac /
 * hmac-sha256, uppercase hex), timestamp (GMT+8 string within 10 minutes), v=2.0, format=json.
 * Throws SimError; the Taobao envelope maps it to error_response codes (25 Invalid signature, ...).
 */
export function verifyTaobaoRequest(params: Record<string, string>, secretFor: (appKey: string) => string | null, nowMs: number = Date.now()): TaobaoVerified {
  const method = params.method;
  if (!method) throw new SimError('param_missing', 'Missing method', { code: 21 });
  const appKey = params.app_key;
  if (!appKey) throw new SimError('app_key_missing', 'Missing app key');
  const secret = secretFor(appKey);
  if (!secret) throw new SimError('app_key_invalid', `Invalid app Key: ${appKey}`);
  if (!params.sign) throw new SimError('signature_missing', 'Missing signature');
  const signMethod = (params.sign_method ?? 'md5') as TaobaoSignMethod;
  if (signMethod !== 'md5' && signMethod !== 'hmac' && signMethod !== 'hmac-sha256') throw new SimError('signature_invalid', `unsupported sign_method ${signMethod}`);
  const expected = taobaoSign(params, secret, signMethod);
  if (expected !== params.sign.toUpperCase()) throw new SimError('signature_invalid', 'Invalid signature');
  const ts = params.timestamp;
  if (!ts) throw new SimError('timestamp_invalid', 'Missing timestamp', { code: 30 });
  let at: number;
  try {
    at = parseGmt8(ts).getTime();
  } catch {
    throw new SimError('timestamp_invalid', `Invalid timestamp ${ts}: expected yyyy-MM-dd HH:mm:ss (GMT+8)`);
  }
  if (Math.abs(nowMs - at) > TAOBAO_MAX_SKEW_SEC * 1000) {
    throw new SimError('timestamp_invalid', `Invalid timestamp ${ts}: more than 10 minutes from server time (GMT+8)`);
  }
  if (!params.v) throw new SimError('param_missing', 'Missing version', { code: 32 });
  if (params.v !== '2.0') throw new SimError('param_invalid', `Unsupported version ${params.v}`, { code: 34 });
  if (params.format && params.format !== 'json') throw new SimError('param_invalid', 'Invalid format: the simulator speaks json only', { code: 23 });
  return { appKey, method, session: params.session || undefined };
}
