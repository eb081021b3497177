import { douyinSign, parseGmt8, type DouyinSignMethod } from '@app/platforms/signing';
import { SimError } from '../core/sim-error';

export interface DouyinRequestParts {
  /** URL path, e.g. /order/searchList */
  path: string;
  /** query-string system parameters */
  query: Record<string, string | undefined>;
  /** the raw body text (param_json) */
  rawBody: string;
}

export interface DouyinVerified {
  appKey: string;
  method: string;
  paramJson: string;
  timestampSec: number;
}

/** Largest accepted clock skew (the simulator's choice; the platform's value is unconfirmed). */
export const DOUYIN_MAX_SKEW_SEC = 600;

/**
 * Verifies a Douyin open-API request the way the gateway does: system parameters in the query,
 * the path equal to the method, the signature over the raw body bytes, the timestamp within
 * 10 minutes. Throws SimError with the kind the Douyin envelope maps to a code / sub_code.
 */
export function verifyDouyinRequest(parts: DouyinRequestParts, secretFor: (appKey: string) => string | null, nowMs: number = Date.now()): DouyinVerified {
  const q = parts.query;
  const method = q.method;
  if (!method) throw new SimError('param_missing', 'method is required', { subCode: 'isv.parameter-missing' });
  if (parts.path !== `/${method.replace(/\./g, '/')}`) throw new SimError('param_invalid', `path ${parts.path} does not match method ${method}`);
  const appKey = q.app_key;
  if (!appKey) throw new SimError('app_key_missing', 'app_key is required');
  const secret = secretFor(appKey);
  if (!secret) throw new SimError('app_key_invalid', `app_key ${appKey} is invalid`);
  if (!q.sign) throw new SimError('signature_missing', 'sign is required');
  const ts = q.timestamp;
  if (!ts) throw new SimError('param_missing', 'timestamp is required', { subCode: 'isv.parameter-missing' });
  let timestampSec: number;
  if (/^\d{9,11}$/.test(ts)) timestampSec = Number(ts);
  else {
    try {
      timestampSec = Math.floor(parseGmt8(ts).getTime() / 1000);
    } catch {
      throw new SimError('timestamp_invalid', `timestamp ${ts} has an invalid format`, { subCode: 'isv.timestamp-format-error' });
    }
  }
  const v = q.v ?? '2';
  if (v !== '2') throw new SimError('param_invalid', 'v must be 2');
  const signMethod = (q.sign_method ?? 'md5') as DouyinSignMethod;
  if (signMethod !== 'md5' && signMethod !== 'hmac-sha256') throw new SimError('param_invalid', `unsupported sign_method ${signMethod}`);
  const paramJson = parts.rawBody.length === 0 ? '{}' : parts.rawBody;
  const expected = douyinSign({ appKey, appSecret: secret, method, paramJson, timestamp: ts, v, signMethod });
  if (expected !== q.sign.toLowerCase()) throw new SimError('signature_invalid', 'signature verification failed');
  if (Math.abs(nowMs / 1000 - timestampSec) > DOUYIN_MAX_SKEW_SEC) {
    throw new SimError('timestamp_invalid', `timestamp ${ts} is more than ${DOUYIN_MAX_SKEW_SEC}s away from server time`);
  }
  return { appKey, method, paramJson, timestampSec };
}
