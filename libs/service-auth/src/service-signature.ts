import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Gateway -> internal service call signatures (issue 7 item 4: "a header alone is not identity").
 *
 * The gateway signs every call it forwards with HMAC-SHA256 under the shared INTERNAL_SERVICE_SECRET over
 *   omnisync-v1 \n METHOD \n path?query (as sent) \n merchant id \n roles \n timestamp (unix ms) \n nonce \n body SHA-256
 * and sends the parts in the headers below. A service accepts the call only if the HMAC matches, the
 * timestamp is within the validity window and the nonce was not seen before (replays are refused), and it
 * takes the merchant only from those signed headers.
 *
 * The body hash is the hex SHA-256 of the bytes sent, or `UNSIGNED-PAYLOAD` for bodies the gateway streams
 * through without buffering (catalog CSV imports): the call itself (who, what, when, once) is still signed.
 * Hand-written rather than a library: it is four headers and one HMAC with Node's crypto (like AWS SigV4 or
 * Stripe's webhook signatures), and mTLS would need a PKI the deployments do not have.
 */
export const MERCHANT_HEADER = 'x-omnisync-merchant-id';
export const ROLES_HEADER = 'x-omnisync-roles';
export const TIMESTAMP_HEADER = 'x-omnisync-timestamp';
export const NONCE_HEADER = 'x-omnisync-nonce';
export const BODY_HASH_HEADER = 'x-omnisync-body-sha256';
export const SIGNATURE_HEADER = 'x-omnisync-signature';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const SIGNED_HEADERS = [MERCHANT_HEADER, ROLES_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, BODY_HASH_HEADER, SIGNATURE_HEADER] as const;

/** default validity window: a signed call older (or further in the future) than this is refused */
export const DEFAULT_SIGNATURE_WINDOW_MS = 30_000;

export interface SignInput {
  method: string;
  /** path and query exactly as they go on the wire (`/erp/orders?cursor=1-2`) */
  pathAndQuery: string;
  merchantId: string;
  roles?: readonly string[];
  /** the exact body bytes, or null for none, or UNSIGNED_PAYLOAD for a streamed body */
  body: Buffer | string | null | typeof UNSIGNED_PAYLOAD;
  /** for tests: a fixed clock and nonce */
  now?: number;
  nonce?: string;
}

export function sha256Hex(body: Buffer | string | null | undefined): string {
  return createHash('sha256').update(body ?? '').digest('hex');
}

function canonical(p: { method: string; pathAndQuery: string; merchantId: string; roles: string; timestamp: string; nonce: string; bodyHash: string }): string {
  return ['omnisync-v1', p.method.toUpperCase(), p.pathAndQuery, p.merchantId, p.roles, p.timestamp, p.nonce, p.bodyHash].join('\n');
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** the headers to send with a call (they replace any the caller sent under the same names) */
export function signServiceCall(secret: string, input: SignInput): Record<(typeof SIGNED_HEADERS)[number], string> {
  const timestamp = String(input.now ?? Date.now());
  const nonce = input.nonce ?? randomBytes(16).toString('hex');
  const bodyHash = input.body === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(input.body);
  const roles = (input.roles ?? []).join(',');
  const signature = hmac(secret, canonical({ method: input.method, pathAndQuery: input.pathAndQuery, merchantId: input.merchantId, roles, timestamp, nonce, bodyHash }));
  return {
    [MERCHANT_HEADER]: input.merchantId,
    [ROLES_HEADER]: roles,
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [BODY_HASH_HEADER]: bodyHash,
    [SIGNATURE_HEADER]: `v1=${signature}`,
  };
}

export interface VerifyInput {
  method: string;
  pathAndQuery: string;
  headers: Record<string, string | string[] | undefined>;
  /** the raw body as received (undefined: none was read, i.e. empty) */
  rawBody: Buffer | undefined;
  now?: number;
  windowMs?: number;
}

export type VerifyResult =
  | { ok: true; merchantId: string; roles: string[]; nonce: string; timestamp: number }
  | { ok: false; reason: string };

const NONCE_RE = /^[0-9a-f]{16,64}$/;

function one(headers: VerifyInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
}

/** checks HMAC, window and body hash; the nonce's freshness is the caller's (NonceStore) */
export function verifyServiceCall(secret: string, input: VerifyInput): VerifyResult {
  const sig = one(input.headers, SIGNATURE_HEADER);
  if (!sig) return { ok: false, reason: 'unsigned internal call: only the gateway may call this service' };
  const timestamp = one(input.headers, TIMESTAMP_HEADER) ?? '';
  const nonce = one(input.headers, NONCE_HEADER) ?? '';
  const bodyHash = one(input.headers, BODY_HASH_HEADER) ?? '';
  const merchantId = one(input.headers, MERCHANT_HEADER) ?? '';
  const roles = one(input.headers, ROLES_HEADER) ?? '';
  if (!/^\d{1,16}$/.test(timestamp) || !NONCE_RE.test(nonce) || !(bodyHash === UNSIGNED_PAYLOAD || /^[0-9a-f]{64}$/.test(bodyHash))) {
    return { ok: false, reason: 'malformed internal call signature' };
  }
  const m = /^v1=([0-9a-f]{64})$/.exec(sig);
  if (!m) return { ok: false, reason: 'malformed internal call signature' };
  const expected = Buffer.from(hmac(secret, canonical({ method: input.method, pathAndQuery: input.pathAndQuery, merchantId, roles, timestamp, nonce, bodyHash })), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(m[1], 'hex'))) return { ok: false, reason: 'bad internal call signature' };
  const window = input.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
  const at = Number(timestamp);
  if (Math.abs((input.now ?? Date.now()) - at) > window) return { ok: false, reason: 'expired internal call signature' };
  if (bodyHash !== UNSIGNED_PAYLOAD && sha256Hex(input.rawBody) !== bodyHash) return { ok: false, reason: 'internal call body does not match its signature' };
  return { ok: true, merchantId, roles: roles ? roles.split(',') : [], nonce, timestamp: at };
}
