import { UpstreamError } from '@app/contracts';

/**
 * A Kuaishou app has three secrets (MARKETING-KUAISHOU-ALERTS.md 2.2, 2.4, 2.7): appSecret (OAuth only),
 * signSecret (request signatures) and the message key (Base64 AES key of the pushes). omnisync stores one
 * opaque, sealed app secret per shop / app (ShopCredentials.appSecret, PLATFORM_APPS, the onboarding API), so
 * for Kuaishou that secret is a JSON object naming the three:
 *   {"appSecret":"…","signSecret":"…","messageKey":"…"}
 * See docs/adr/0012-kuaishou-secrets.md. Nothing outside this folder parses it.
 */
export interface KuaishouSecrets {
  appSecret: string;
  signSecret: string;
  /** Base64 of the 16/24/32-byte AES key of pushes; absent when the app takes no pushes */
  messageKey: string | null;
}

/** the composite secret to store as the shop's / app's appSecret */
export function kuaishouAppSecret(s: { appSecret: string; signSecret: string; messageKey?: string | null }): string {
  return JSON.stringify({ appSecret: s.appSecret, signSecret: s.signSecret, ...(s.messageKey ? { messageKey: s.messageKey } : {}) });
}

/** problems of a composite secret, naming the field (empty = usable); never quotes a secret */
export function kuaishouSecretProblems(raw: string): string[] {
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    return ['appSecret must be a JSON object {"appSecret","signSecret","messageKey"} for kuaishou'];
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return ['appSecret must be a JSON object for kuaishou'];
  const r = o as Record<string, unknown>;
  const out: string[] = [];
  for (const k of ['appSecret', 'signSecret'] as const) if (typeof r[k] !== 'string' || r[k] === '') out.push(`appSecret.${k} missing`);
  if (r.messageKey !== undefined && r.messageKey !== null) {
    const len = typeof r.messageKey === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(r.messageKey) ? Buffer.from(r.messageKey, 'base64').length : -1;
    if (![16, 24, 32].includes(len)) out.push('appSecret.messageKey must be Base64 of a 16, 24 or 32 byte AES key');
  }
  return out;
}

/** parses the composite secret; invalid_request naming the field when it is not one */
export function kuaishouSecrets(raw: string): KuaishouSecrets {
  const problems = kuaishouSecretProblems(raw);
  if (problems.length > 0) throw new UpstreamError('kuaishou', 'invalid_request', `shop credentials: ${problems.join('; ')}`, { code: 'bad_credentials' });
  const r = JSON.parse(raw) as Record<string, string>;
  return { appSecret: r.appSecret, signSecret: r.signSecret, messageKey: r.messageKey ?? null };
}
