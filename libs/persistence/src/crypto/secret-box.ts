import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** Raised when a key is unusable or a blob cannot be opened. Its message never carries key or plaintext. */
export class SecretBoxError extends Error {
  readonly code: 'invalid_key' | 'malformed_blob' | 'decrypt_failed';
  constructor(code: SecretBoxError['code'], message: string) {
    super(message);
    this.name = 'SecretBoxError';
    this.code = code;
  }
}

const FORMAT_V1 = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/**
 * Parses SECRETS_KEY: 32 bytes as 64 hex characters or as base64 (standard or url-safe).
 * The error names the variable and the length found, never the value.
 */
export function parseSecretsKey(raw: string | undefined | null, name = 'SECRETS_KEY'): Buffer {
  const value = (raw ?? '').trim();
  if (value === '') throw new SecretBoxError('invalid_key', `${name} is not set: give 32 random bytes as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`)`);
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
    throw new SecretBoxError('invalid_key', `${name} must decode to 32 bytes (AES-256); it decodes to ${bytes.length} bytes`);
  }
  throw new SecretBoxError('invalid_key', `${name} must be 32 bytes given as 64 hex characters or base64 (${value.length} characters given)`);
}

/**
 * AES-256-GCM envelope for secrets at rest. Blob layout (version 1):
 *   [0x01][12-byte random IV][16-byte GCM tag][ciphertext]
 * The caller's associated data (for shops: the row id) is authenticated, so a blob copied to
 * another row does not open there. The key lives in a private field: it never shows up in
 * JSON, `util.inspect` or logs.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== 32) {
      throw new SecretBoxError('invalid_key', `SecretBox needs a 32-byte key (${Buffer.isBuffer(key) ? key.length : 0} bytes given)`);
    }
    this.#key = Buffer.from(key);
  }

  /** From the SECRETS_KEY config value (hex or base64). */
  static fromConfig(raw: string | undefined | null): SecretBox {
    return new SecretBox(parseSecretsKey(raw));
  }

  seal(plaintext: string | Buffer, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(associatedData));
    const ct = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_V1]), iv, cipher.getAuthTag(), ct]);
  }

  open(blob: Buffer, associatedData: string): Buffer {
    if (!Buffer.isBuffer(blob) || blob.length < HEADER_BYTES) {
      throw new SecretBoxError('malformed_blob', 'encrypted blob is truncated or empty');
    }
    const version = blob[0];
    if (version !== FORMAT_V1) throw new SecretBoxError('malformed_blob', `encrypted blob has unknown format version ${version}`);
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(1 + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(associatedData));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      // the cipher's own error says nothing useful; ours says what can cause it
      throw new SecretBoxError(
        'decrypt_failed',
        'encrypted blob failed authentication: wrong SECRETS_KEY, a tampered blob, or a blob copied from another row',
      );
    }
  }

  sealJson(value: unknown, associatedData: string): Buffer {
    return this.seal(JSON.stringify(value), associatedData);
  }

  openJson<T>(blob: Buffer, associatedData: string): T {
    const text = this.open(blob, associatedData).toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new SecretBoxError('malformed_blob', 'encrypted blob does not hold JSON');
    }
  }

  toJSON(): string {
    return '[SecretBox]';
  }

  [inspect.custom](): string {
    return '[SecretBox]';
  }
}

function aad(associatedData: string): Buffer {
  return Buffer.from(`omnisync/v1/${associatedData}`, 'utf8');
}
