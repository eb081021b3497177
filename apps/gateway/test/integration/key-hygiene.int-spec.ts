import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { type GatewayHarness, buildGatewayHarness } from './auth.harness';

describe('API key expiry, last-used time and the audit log', () => {
  let db: TestDatabase;
  let h: GatewayHarness;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    h = await buildGatewayHarness(db.url);
  });

  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  const http = () => request(h.app.getHttpServer());
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  describe('expiry', () => {
    it('creates a key with expiresAt, lists it, and refuses it once expired with 401 saying so', async () => {
      const admin = await h.keyFor('Expiry Co', ['admin']);
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const created = await http().post('/api-keys').set(as(admin.key)).send({ name: 'short-lived', roles: ['ops'], expiresAt }).expect(201);
      expect(created.body.expiresAt).toBe(expiresAt);
      await http().get('/merchants/me').set(as(created.body.key)).expect(200);

      const list = await http().get('/api-keys').set(as(admin.key)).expect(200);
      expect(list.body.find((k: { id: string }) => k.id === created.body.id)).toMatchObject({ expiresAt, lastUsedAt: expect.any(String) });

      const past = new Date(Date.now() - 1000);
      await db.dataSource.query(`UPDATE core.api_keys SET expires_at = $2 WHERE id = $1`, [created.body.id, past]);
      const res = await http().get('/merchants/me').set(as(created.body.key)).expect(401);
      expect(res.body.message).toBe(`API key ${created.body.prefix} expired at ${past.toISOString()}`);
    });

    it('keeps keys without expiresAt working (expiresAt null)', async () => {
      const admin = await h.keyFor('Expiry Co', ['admin']);
      const created = await http().post('/api-keys').set(as(admin.key)).send({ name: 'forever', roles: ['ops'] }).expect(201);
      expect(created.body.expiresAt).toBeNull();
      await http().get('/merchants/me').set(as(created.body.key)).expect(200);
    });

    it.each([
      ['a past instant', new Date(Date.now() - 60_000).toISOString(), 'expiresAt must be in the future'],
      ['not a date', 'tomorrow', 'expiresAt must be an ISO 8601 date-time'],
    ])('answers 400 naming expiresAt for %s, and creates nothing', async (_case, expiresAt, message) => {
      const admin = await h.keyFor('Expiry Co', ['admin']);
      const [{ n: before }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.api_keys`);
      const res = await http().post('/api-keys').set(as(admin.key)).send({ name: 'k', roles: ['ops'], expiresAt }).expect(400);
      expect(res.body.message).toContain(message);
      const [{ n: after }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.api_keys`);
      expect(after).toBe(before);
    });
  });

  describe('prototype keys', () => {
    it.each([
      ['{"name":"k","roles":["ops"],"__proto__":{"roles":["admin"]}}', '__proto__'],
      ['{"name":"k","roles":["ops"],"constructor":{"prototype":{"x":1}}}', 'constructor'],
      ['{"name":"k","roles":["ops"],"prototype":1}', 'prototype'],
    ])('answers 400 naming the field like any unknown field for %s, and creates nothing', async (body, field) => {
      const admin = await h.keyFor('Proto Co', ['admin']);
      const [{ n: before }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.api_keys`);
      const res = await http().post('/api-keys').set(as(admin.key)).set('content-type', 'application/json').send(body).expect(400);
      expect(res.body.message).toEqual([`property ${field} should not exist`]);
      const [{ n: after }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.api_keys`);
      expect(after).toBe(before);
    });

    it('refuses them in a query string too', async () => {
      const admin = await h.keyFor('Proto Co', ['admin']);
      const q = await http().get('/audit-log?constructor=1').set(as(admin.key)).expect(400);
      expect(q.body.message).toEqual(['property constructor should not exist']);
    });
  });

  describe('last-used time', () => {
    it('is written at most once a minute per key, not on every request', async () => {
      const { key, keyId } = await h.keyFor('Usage Co', ['ops']);
      await http().get('/merchants/me').set(as(key)).expect(200);
      const [first] = await db.dataSource.query(`SELECT last_used_at FROM core.api_keys WHERE id = $1`, [keyId]);
      expect(first.last_used_at).toBeInstanceOf(Date);
      // even with the stored time pushed back past the minute, this process does not write again within its minute
      const old = new Date(Date.now() - 5 * 60_000);
      await db.dataSource.query(`UPDATE core.api_keys SET last_used_at = $2 WHERE id = $1`, [keyId, old]);
      for (let i = 0; i < 5; i++) await http().get('/merchants/me').set(as(key)).expect(200);
      const [after] = await db.dataSource.query(`SELECT last_used_at FROM core.api_keys WHERE id = $1`, [keyId]);
      expect(after.last_used_at.toISOString()).toBe(old.toISOString());
    });
  });

  describe('GET /audit-log', () => {
    it('records who created and revoked which key, newest first, readable by the merchant admin', async () => {
      const admin = await h.keyFor('Audit Co', ['admin']);
      const created = await http().post('/api-keys').set(as(admin.key)).send({ name: 'erp link', roles: ['erp'] }).expect(201);
      await http().delete(`/api-keys/${created.body.id}`).set(as(admin.key)).expect(200);
      const res = await http().get('/audit-log').set(as(admin.key)).expect(200);
      expect(res.body.items.slice(0, 2)).toEqual([
        expect.objectContaining({ action: 'api_key.revoke', actorKeyId: admin.keyId, targetType: 'api_key', targetId: created.body.id }),
        expect.objectContaining({
          action: 'api_key.create',
          actorKeyId: admin.keyId,
          targetType: 'api_key',
          targetId: created.body.id,
          details: { name: 'erp link', roles: ['erp'], expiresAt: null },
        }),
      ]);
      expect(JSON.stringify(res.body)).not.toContain(created.body.key.slice(13));
    });

    it('records shop changes with the names of the changed fields, never their values', async () => {
      const admin = await h.keyFor('Audit Shops', ['admin']);
      const shop = await http()
        .post('/shops')
        .set(as(admin.key))
        .send({ platform: 'douyin', platformShopId: `audit-${Date.now()}`, name: 'S', appKey: 'ak-audit', appSecret: 'secret-audit-1' })
        .expect(201);
      await http().patch(`/shops/${shop.body.id}`).set(as(admin.key)).send({ appSecret: 'secret-audit-2', name: 'S2' }).expect(200);
      await http().delete(`/shops/${shop.body.id}`).set(as(admin.key)).expect(200);
      const res = await http().get('/audit-log').set(as(admin.key)).expect(200);
      expect(res.body.items.map((e: { action: string; targetId: string }) => [e.action, e.targetId])).toEqual([
        ['shop.disable', shop.body.id],
        ['shop.update', shop.body.id],
        ['shop.create', shop.body.id],
        // the harness's own key creation goes through the service, not the API: not an audited admin action
      ]);
      expect(res.body.items[1].details).toEqual({ fields: ['appSecret', 'name'] });
      expect(JSON.stringify(res.body)).not.toMatch(/secret-audit/);
    });

    it('pages with limit and cursor', async () => {
      const admin = await h.keyFor('Audit Pages', ['admin']);
      for (let i = 0; i < 5; i++) await http().post('/api-keys').set(as(admin.key)).send({ name: `k${i}`, roles: ['ops'] }).expect(201);
      const names: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await http()
          .get('/audit-log')
          .query(cursor ? { limit: 2, cursor } : { limit: 2 })
          .set(as(admin.key))
          .expect(200);
        names.push(...res.body.items.map((e: { details: { name: string } }) => e.details.name));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(names).toEqual(['k4', 'k3', 'k2', 'k1', 'k0']);
      expect(pages).toBe(3);
    });

    it('shows a merchant only its own rows (another merchant’s actions are invisible)', async () => {
      const a = await h.keyFor('Audit A', ['admin']);
      const b = await h.keyFor('Audit B', ['admin']);
      await http().post('/api-keys').set(as(b.key)).send({ name: 'b-only', roles: ['ops'] }).expect(201);
      await http().post('/api-keys').set(as(a.key)).send({ name: 'a-only', roles: ['ops'] }).expect(201);
      const res = await http().get('/audit-log').set(as(a.key)).expect(200);
      expect(res.body.items.map((e: { details: { name: string } }) => e.details.name)).toEqual(['a-only']);
      expect(JSON.stringify(res.body)).not.toContain(b.keyId);
    });

    it('is for admins only (403) and names a bad query field (400)', async () => {
      const ops = await h.keyFor('Audit Roles', ['ops', 'merchandiser', 'erp']);
      await http().get('/audit-log').set(as(ops.key)).expect(403);
      const admin = await h.keyFor('Audit Roles', ['admin']);
      const bad = await http().get('/audit-log').query({ cursor: 'abc', limit: 0 }).set(as(admin.key)).expect(400);
      expect(bad.body.message).toEqual(
        expect.arrayContaining(['cursor must be a nextCursor value returned by this API', 'limit must not be less than 1']),
      );
    });
  });
});
