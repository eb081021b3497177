import { createHmac, timingSafeEqual } from 'node:crypto';

/** Requests older (or further in the future) than this are rejected by the receiver. */
export const GENERIC_SIGNATURE_TOLERANCE_SEC = 300;
export const GENERIC_TIMESTAMP_HEADER = 'X-Omnisync-Timestamp';
export const GENERIC_SIGNATURE_HEADER = 'X-Omnisync-Signature';
export const GENERIC_IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** `sha256=` + lowercase hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`). */
export function signGenericRequest(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`, 'utf8');
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * Receiver-side check of a generic-http ERP request. `timestamp` is the X-Omnisync-Timestamp header
 * (unix seconds), `rawBody` the exact bytes received, `header` the X-Omnisync-Signature header.
 * False when anything is missing or malformed, the timestamp is more than 300 s away from `nowSec`,
 * or the signature differs (constant-time compare).
 */
export function verifyGenericSignature(
  secret: string,
  timestamp: string | number | undefined | null,
  rawBody: string | Buffer,
  header: string | undefined | null,
  nowSec: number = Math.floor(Date.now() / 1000),
): boolean {
  if (timestamp === undefined || timestamp === null || !header) return false;
  const tsText = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(tsText)) return false;
  if (Math.abs(nowSec - Number(tsText)) > GENERIC_SIGNATURE_TOLERANCE_SEC) return false;
  if (!/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  const expected = Buffer.from(signGenericRequest(secret, tsText, rawBody), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
