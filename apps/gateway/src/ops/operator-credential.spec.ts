import { createHash } from 'node:crypto';
import { OperatorCredential } from './operator-credential';

describe(OperatorCredential.name, () => {
  const token = 'op_0123456789abcdef';
  const hash = createHash('sha256').update(token).digest('hex');

  it('matches the token whose SHA-256 is configured, nothing else', () => {
    const sut = new OperatorCredential(hash);
    expect(sut.matches(token)).toBe(true);
    expect(sut.matches(`${token}x`)).toBe(false);
    expect(sut.matches(hash)).toBe(false);
    expect(sut.matches(undefined)).toBe(false);
    expect(sut.matches('')).toBe(false);
  });

  it('matches nothing when no operator credential is configured', () => {
    const sut = new OperatorCredential(undefined);
    expect(sut.configured).toBe(false);
    expect(sut.matches(token)).toBe(false);
    expect(sut.matches('')).toBe(false);
  });
});
