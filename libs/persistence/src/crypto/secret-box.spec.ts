import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { SecretBox, SecretBoxError, parseSecretsKey } from './secret-box';

describe(SecretBox.name, () => {
  const key = randomBytes(32);
  const sut = new SecretBox(key);
  const secret = 'app-secret-DO-NOT-LEAK-7f3a';

  describe('seal / open', () => {
    it('round-trips a value bound to the same associated data', () => {
      const blob = sut.seal(secret, 'row-1');
      expect(sut.open(blob, 'row-1').toString('utf8')).toBe(secret);
      expect(blob.includes(Buffer.from(secret))).toBe(false);
      expect(blob[0]).toBe(0x01);
    });

    it('uses a fresh IV for every encryption', () => {
      expect(sut.seal(secret, 'row-1').equals(sut.seal(secret, 'row-1'))).toBe(false);
    });

    it('round-trips JSON', () => {
      const value = { appSecret: secret, accessToken: 'at', refreshToken: null };
      expect(sut.openJson(sut.sealJson(value, 'r'), 'r')).toEqual(value);
    });

    it('refuses a blob moved to another row (associated data differs)', () => {
      const blob = sut.seal(secret, 'row-1');
      expect(() => sut.open(blob, 'row-2')).toThrow(SecretBoxError);
    });

    it.each([
      ['ciphertext', (b: Buffer) => (b[b.length - 1] ^= 0x01)],
      ['tag', (b: Buffer) => (b[14] ^= 0x01)],
      ['iv', (b: Buffer) => (b[2] ^= 0x01)],
    ])('refuses a blob whose %s was altered, without echoing secrets', (_part, tamper) => {
      const blob = Buffer.from(sut.seal(secret, 'row-1'));
      tamper(blob);
      let caught: unknown;
      try {
        sut.open(blob, 'row-1');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SecretBoxError);
      expect((caught as SecretBoxError).code).toBe('decrypt_failed');
      const text = `${(caught as Error).message} ${(caught as Error).stack} ${inspect(caught)}`;
      expect(text).not.toContain(secret);
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
    });

    it('refuses a blob sealed under another key', () => {
      const other = new SecretBox(randomBytes(32));
      expect(() => other.open(sut.seal(secret, 'r'), 'r')).toThrow(/wrong SECRETS_KEY/);
    });

    it('refuses an unknown format version and a truncated blob', () => {
      const blob = Buffer.from(sut.seal(secret, 'r'));
      blob[0] = 0x02;
      expect(() => sut.open(blob, 'r')).toThrow(/format version 2/);
      expect(() => sut.open(Buffer.alloc(5), 'r')).toThrow(/truncated/);
    });
  });

  it('never shows its key in JSON or inspect output', () => {
    const out = `${JSON.stringify({ box: sut })} ${inspect(sut, { showHidden: true, depth: 5 })}`;
    expect(out).not.toContain(key.toString('hex'));
    expect(out).toContain('[SecretBox]');
  });

  describe(parseSecretsKey.name, () => {
    it('accepts 64 hex characters and base64 of 32 bytes', () => {
      expect(parseSecretsKey(key.toString('hex')).equals(key)).toBe(true);
      expect(parseSecretsKey(key.toString('base64')).equals(key)).toBe(true);
      expect(parseSecretsKey(key.toString('base64url')).equals(key)).toBe(true);
    });

    it.each([
      ['missing', undefined, /SECRETS_KEY is not set/],
      ['too short hex', 'abcd'.repeat(8), /decode to 32 bytes.*24 bytes/],
      ['16-byte base64', randomBytes(16).toString('base64'), /decodes to 16 bytes/],
      ['not hex nor base64', 'not a key!', /64 hex characters or base64/],
    ])('rejects a %s key with a clear message that hides the value', (_name, raw, message) => {
      let caught: unknown;
      try {
        parseSecretsKey(raw);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SecretBoxError);
      expect((caught as Error).message).toMatch(message);
      if (raw) expect((caught as Error).message).not.toContain(raw);
    });
  });
});
