import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `osk_<prefix>_<secret>`: prefix = 8 lowercase hex characters (stored, shown in
 * listings), secret = 32 random bytes as 64 hex characters (only its sha256 is stored).
 */
const KEY_RE = /^osk_([0-9a-f]{8})_([0-9a-f]{64})$/;

export interface ParsedApiKey {
  prefix: string;
  secret: string;
}

export interface NewApiKey {
  /** the full key, shown to the user once */
  key: string;
  prefix: string;
  keyHash: string;
}

export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(4).toString('hex');
  const secret = randomBytes(32).toString('hex');
  return { key: `osk_${prefix}_${secret}`, prefix, keyHash: hashApiKeySecret(secret) };
}

export function parseApiKey(raw: string): ParsedApiKey | null {
  const m = KEY_RE.exec(raw);
  return m ? { prefix: m[1], secret: m[2] } : null;
}

/** sha256 hex; enough for 256-bit random secrets (no dictionary to attack). */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** What users see of a key: `osk_<prefix>`. */
export function displayPrefix(prefix: string): string {
  return `osk_${prefix}`;
}
