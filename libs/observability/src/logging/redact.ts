/** Keys whose values never reach a log line, at any depth. Compared lower-case with `_`/`-` removed. */
const SECRET_KEYS = new Set([
  'appsecret',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'authorization',
  'proxyauthorization',
  'sign',
  'signature',
  'secret',
  'password',
  'passwd',
  'credentials',
  'apikey',
  'xapikey',
  'cookie',
  'setcookie',
  'secretskey',
  'privatekey',
]);

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[_-]/g, '');
  return SECRET_KEYS.has(k) || k.endsWith('secret') || k.endsWith('password') || k.endsWith('token');
}

/**
 * Deep copy of `value` with secret-looking keys replaced by "[REDACTED]". Handles arrays, nested
 * objects, Maps-as-objects, cycles and Errors (message/stack kept, own enumerable props redacted).
 */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length}]`;
  const out: Record<string, unknown> = {};
  if (value instanceof Error) {
    out.type = value.name;
    out.message = value.message;
    if (value.stack) out.stack = value.stack;
  }
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1, seen);
  }
  return out;
}
