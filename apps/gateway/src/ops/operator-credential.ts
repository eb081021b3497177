import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The platform operator's credential: a token whose SHA-256 the operator sets in OPERATOR_TOKEN_SHA256. It is
 * not an API key: /api-keys mints merchant keys only, no role or key kind reaches it, so no merchant can hold
 * it. Unset: no one is the operator (Bull Board and /operator/* refuse everyone).
 */
export class OperatorCredential {
  private readonly expected: Buffer | null;

  constructor(sha256Hex: string | undefined) {
    this.expected = sha256Hex ? Buffer.from(sha256Hex, 'hex') : null;
  }

  get configured(): boolean {
    return this.expected !== null;
  }

  /** constant-time comparison of the presented token's SHA-256 with the configured one */
  matches(presented: string | undefined): boolean {
    if (!this.expected || !presented) return false;
    const got = createHash('sha256').update(presented, 'utf8').digest();
    return got.length === this.expected.length && timingSafeEqual(got, this.expected);
  }
}

/** `Authorization: Bearer <token>`, or HTTP Basic with the token as the password (so a browser can prompt). */
export function extractBearerOrBasic(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const password = i >= 0 ? decoded.slice(i + 1) : decoded;
    return password || undefined;
  }
  return undefined;
}
