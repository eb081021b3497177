import { isLosslessNumber } from 'lossless-json';
import { xhsSign } from '@app/platforms/signing';
import { SimError } from '../core/sim-error';

export interface XhsVerified {
  appId: string;
  method: string;
  /** exactly as sent (string or number literal) — the signed text */
  timestamp: string;
  version: string;
}

const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (isLosslessNumber(v)) return v.value;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return undefined;
};

/**
 * Verifies an Ark common_controller body: appId known, method present, sign =
 * MD5(method + "?appId=" + appId + "&timestamp=" + timestamp + "&version=" + version + appSecret).
 * The timestamp is not checked for skew (no public source says the gateway does).
 */
export function verifyXhsRequest(body: Record<string, unknown>, secretFor: (appId: string) => string | null): XhsVerified {
  const appId = text(body.appId);
  if (!appId) throw new SimError('app_key_missing', 'appId is required');
  const secret = secretFor(appId);
  if (!secret) throw new SimError('app_key_invalid', `appId ${appId} is invalid`);
  const method = text(body.method);
  if (!method) throw new SimError('param_missing', 'method is required');
  const timestamp = text(body.timestamp);
  if (!timestamp) throw new SimError('param_missing', 'timestamp is required');
  const version = text(body.version);
  if (!version) throw new SimError('param_missing', 'version is required');
  const sign = text(body.sign);
  if (!sign) throw new SimError('signature_missing', 'sign is required');
  if (xhsSign({ method, appId, timestamp, version, appSecret: secret }) !== sign.toLowerCase()) throw new SimError('signature_invalid', 'sign verification failed');
  return { appId, method, timestamp, version };
}
