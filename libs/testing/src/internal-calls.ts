import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { MERCHANT_HEADER, NONCE_HEADER, signServiceCall, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@app/service-auth';

/**
 * The attacks on an internal service's API that skips the gateway (issue 7: "skip the gateway"), and the one
 * call that must work: a fresh gateway signature. `path` is a merchant-scoped GET route of the service.
 */
export function describeInternalCallChecks(ctx: { base(): string; secret: string; path: string; roles?: string[] }): void {
  describe('calls that skip the gateway', () => {
    const merchant = randomUUID();
    const sign = (over: Partial<Parameters<typeof signServiceCall>[1]> = {}, secret = ctx.secret) =>
      signServiceCall(secret, { method: 'GET', pathAndQuery: ctx.path, merchantId: merchant, roles: ctx.roles, body: null, ...over });

    it('answers a valid gateway-signed call', async () => {
      const res = await request(ctx.base()).get(ctx.path).set(sign());
      expect(res.status).toBe(200);
    });

    it('refuses an unsigned call and a merchant header alone with 401', async () => {
      expect((await request(ctx.base()).get(ctx.path)).status).toBe(401);
      const forged = await request(ctx.base()).get(ctx.path).set(MERCHANT_HEADER, merchant).set('x-omnisync-roles', (ctx.roles ?? ['admin']).join(','));
      expect(forged.status).toBe(401);
      expect(JSON.stringify(forged.body)).toContain('unsigned');
    });

    it('refuses a signature made with another secret, or over another merchant, path or method', async () => {
      expect((await request(ctx.base()).get(ctx.path).set(sign({}, 'not-the-secret-0123456789abcdefghijklmn'))).status).toBe(401);
      expect((await request(ctx.base()).get(ctx.path).set({ ...sign(), [MERCHANT_HEADER]: randomUUID() })).status).toBe(401);
      expect((await request(ctx.base()).get(ctx.path).set(sign({ pathAndQuery: `${ctx.path}x` }))).status).toBe(401);
      expect((await request(ctx.base()).get(ctx.path).set(sign({ method: 'POST' }))).status).toBe(401);
      expect((await request(ctx.base()).get(ctx.path).set({ ...sign(), [SIGNATURE_HEADER]: `v1=${'a'.repeat(64)}` })).status).toBe(401);
    });

    it('refuses an expired signature, one from the future, and a replay of a valid one', async () => {
      const old = await request(ctx.base()).get(ctx.path).set(sign({ now: Date.now() - 60_000 }));
      expect(old.status).toBe(401);
      expect(JSON.stringify(old.body)).toContain('expired');
      expect((await request(ctx.base()).get(ctx.path).set(sign({ now: Date.now() + 60_000 }))).status).toBe(401);
      const once = sign();
      expect((await request(ctx.base()).get(ctx.path).set(once)).status).toBe(200);
      const replay = await request(ctx.base()).get(ctx.path).set(once);
      expect(replay.status).toBe(401);
      expect(JSON.stringify(replay.body)).toContain('replayed');
      // a fresh timestamp on the old nonce breaks the HMAC; a fresh nonce with the old HMAC too
      expect((await request(ctx.base()).get(ctx.path).set({ ...once, [TIMESTAMP_HEADER]: String(Date.now()) })).status).toBe(401);
      expect((await request(ctx.base()).get(ctx.path).set({ ...once, [NONCE_HEADER]: 'f'.repeat(32) })).status).toBe(401);
    });

    it('refuses a signed call that names no merchant (never "all merchants")', async () => {
      expect((await request(ctx.base()).get(ctx.path).set(sign({ merchantId: '' }))).status).toBe(401);
    });

    it('keeps /health/live open', async () => {
      expect((await request(ctx.base()).get('/health/live')).status).toBe(200);
    });
  });
}
