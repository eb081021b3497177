import { BODY_HASH_HEADER, MERCHANT_HEADER, ROLES_HEADER, signServiceCall, UNSIGNED_PAYLOAD, verifyServiceCall } from './service-signature';

const SECRET = 'unit-test-internal-secret-0123456789abcdef';
const M = '5b1e0000-0000-4000-8000-000000000001';
const NOW = 1_800_000_000_000;

describe(verifyServiceCall.name, () => {
  const body = JSON.stringify({ ids: ['1'] });
  const signed = () => signServiceCall(SECRET, { method: 'POST', pathAndQuery: '/ops/outbox/retry?x=1', merchantId: M, roles: ['ops'], body, now: NOW });
  const verify = (headers: Record<string, string>, over: Partial<Parameters<typeof verifyServiceCall>[1]> = {}) =>
    verifyServiceCall(SECRET, { method: 'POST', pathAndQuery: '/ops/outbox/retry?x=1', headers, rawBody: Buffer.from(body), now: NOW + 1000, ...over });

  it('accepts what signServiceCall produced and returns the signed merchant and roles', () => {
    expect(verify(signed())).toMatchObject({ ok: true, merchantId: M, roles: ['ops'] });
  });

  it.each([
    ['another merchant', { [MERCHANT_HEADER]: '5b1e0000-0000-4000-8000-000000000002' }, 'bad'],
    ['other roles', { [ROLES_HEADER]: 'admin' }, 'bad'],
    ['another body hash', { [BODY_HASH_HEADER]: 'a'.repeat(64) }, 'bad'],
    ['an unsigned-payload claim', { [BODY_HASH_HEADER]: UNSIGNED_PAYLOAD }, 'bad'],
  ])('refuses a signature replayed with %s', (_what, change, reason) => {
    const r = verify({ ...signed(), ...change });
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining(reason) });
  });

  it('refuses another path, query or method, and another secret', () => {
    expect(verify(signed(), { pathAndQuery: '/ops/outbox/retry?x=2' }).ok).toBe(false);
    expect(verify(signed(), { method: 'PUT' }).ok).toBe(false);
    expect(verifyServiceCall('x'.repeat(40), { method: 'POST', pathAndQuery: '/ops/outbox/retry?x=1', headers: signed(), rawBody: Buffer.from(body), now: NOW }).ok).toBe(false);
  });

  it('refuses a body that is not the signed one', () => {
    expect(verify(signed(), { rawBody: Buffer.from('{"all":true}') })).toMatchObject({ ok: false, reason: expect.stringContaining('body') });
  });

  it('refuses outside the window, both ways', () => {
    expect(verify(signed(), { now: NOW + 30_001 })).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
    expect(verify(signed(), { now: NOW - 30_001 })).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
    expect(verify(signed(), { now: NOW + 30_000 }).ok).toBe(true);
  });

  it('refuses a missing or malformed signature', () => {
    expect(verify({})).toMatchObject({ ok: false, reason: expect.stringContaining('unsigned') });
    expect(verify({ ...signed(), 'x-omnisync-signature': 'v1=zz' }).ok).toBe(false);
    expect(verify({ ...signed(), 'x-omnisync-timestamp': 'soon' }).ok).toBe(false);
  });

  it('lets a streamed body through only when UNSIGNED-PAYLOAD was signed', () => {
    const h = signServiceCall(SECRET, { method: 'POST', pathAndQuery: '/products/import', merchantId: M, body: UNSIGNED_PAYLOAD, now: NOW });
    expect(verifyServiceCall(SECRET, { method: 'POST', pathAndQuery: '/products/import', headers: h, rawBody: undefined, now: NOW }).ok).toBe(true);
  });
});
