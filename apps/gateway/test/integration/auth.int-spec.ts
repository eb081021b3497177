import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { type GatewayHarness, buildGatewayHarness } from './auth.harness';

describe('gateway auth (API keys, roles, merchant scope)', () => {
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

  describe('authentication', () => {
    it('lets a @Public() route through without a key', async () => {
      await http().get('/probe/public').expect(200, { ok: true });
    });

    it.each([
      ['no Authorization header', undefined, /missing API key/],
      ['a non-Bearer scheme', 'Basic dXNlcjpwYXNz', /malformed Authorization header/],
      ['a key of the wrong shape', 'Bearer sk_live_abc', /malformed API key/],
      ['a well-formed but unknown key', `Bearer osk_00000000_${'0'.repeat(64)}`, /unknown API key/],
    ])('answers 401 with a clear message for %s', async (_case, header, message) => {
      const req = http().get('/merchants/me');
      if (header) req.set('Authorization', header);
      const res = await req.expect(401);
      expect(res.body.message).toMatch(message);
    });

    it('answers 401 for a revoked key and names its prefix', async () => {
      const admin = await h.keyFor('Revoker Co', ['admin']);
      const victim = await h.keyFor('Revoker Co', ['ops']);
      await http().get('/merchants/me').set('Authorization', `Bearer ${victim.key}`).expect(200);
      await http().delete(`/api-keys/${victim.keyId}`).set('Authorization', `Bearer ${admin.key}`).expect(200);
      const res = await http().get('/merchants/me').set('Authorization', `Bearer ${victim.key}`).expect(401);
      expect(res.body.message).toMatch(/^API key osk_[0-9a-f]{8} has been revoked$/);
    });

    it('answers 401 when the secret part is wrong even with a real prefix', async () => {
      const { key } = await h.keyFor('Prefix Co', ['admin']);
      const forged = key.slice(0, -4) + (key.endsWith('0000') ? '1111' : '0000');
      await http().get('/merchants/me').set('Authorization', `Bearer ${forged}`).expect(401);
    });

    it('records last_used_at on use', async () => {
      const { key, keyId } = await h.keyFor('Usage Co', ['ops']);
      await http().get('/merchants/me').set('Authorization', `Bearer ${key}`).expect(200);
      const [row] = await db.dataSource.query(`SELECT last_used_at FROM core.api_keys WHERE id = $1`, [keyId]);
      expect(row.last_used_at).toBeInstanceOf(Date);
    });
  });

  describe('roles', () => {
    it('gives 403 naming the needed roles when the key lacks them', async () => {
      const { key } = await h.keyFor('Roles Co', ['erp']);
      const res = await http().get('/shops').set('Authorization', `Bearer ${key}`).expect(403);
      expect(res.body.message).toMatch(/admin, ops, merchandiser.*erp/);
      await http().post('/api-keys').set('Authorization', `Bearer ${key}`).send({ name: 'x', roles: ['ops'] }).expect(403);
    });

    it('lets any valid key read its merchant', async () => {
      const { key, merchantId } = await h.keyFor('Roles Co', ['erp']);
      const res = await http().get('/merchants/me').set('Authorization', `Bearer ${key}`).expect(200);
      expect(res.body).toEqual({ id: merchantId, name: 'Roles Co', createdAt: expect.any(String) });
    });
  });

  describe('/api-keys', () => {
    it('creates a key shown once, usable at once, listed without secret or hash', async () => {
      const admin = await h.keyFor('Keys Co', ['admin']);
      const created = await http()
        .post('/api-keys')
        .set('Authorization', `Bearer ${admin.key}`)
        .send({ name: 'merch', roles: ['merchandiser', 'ops'] })
        .expect(201);
      expect(created.body.key).toMatch(/^osk_[0-9a-f]{8}_[0-9a-f]{64}$/);
      expect(created.body.prefix).toBe(created.body.key.slice(0, 12));
      expect(created.body.roles).toEqual(['merchandiser', 'ops']);

      await http().get('/shops').set('Authorization', `Bearer ${created.body.key}`).expect(200);

      const list = await http().get('/api-keys').set('Authorization', `Bearer ${admin.key}`).expect(200);
      const text = JSON.stringify(list.body);
      expect(list.body.map((k: { id: string }) => k.id)).toEqual(expect.arrayContaining([admin.keyId, created.body.id]));
      expect(text).not.toContain(created.body.key.slice(13));
      expect(text).not.toMatch(/keyHash|key_hash|"key"/);
      const [row] = await db.dataSource.query(`SELECT key_hash FROM core.api_keys WHERE id = $1`, [created.body.id]);
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.key_hash).not.toBe(created.body.key.slice(13));
    });

    it('lists only its own merchant’s keys and cannot revoke another merchant’s key (404)', async () => {
      const a = await h.keyFor('Keys A', ['admin']);
      const b = await h.keyFor('Keys B', ['admin']);
      const list = await http().get('/api-keys').set('Authorization', `Bearer ${a.key}`).expect(200);
      expect(list.body.map((k: { id: string }) => k.id)).not.toContain(b.keyId);
      const res = await http().delete(`/api-keys/${b.keyId}`).set('Authorization', `Bearer ${a.key}`).expect(404);
      expect(res.body.message).toBe(`api key ${b.keyId} not found`);
      await http().get('/merchants/me').set('Authorization', `Bearer ${b.key}`).expect(200);
    });

    it.each([
      ['an unknown role', { name: 'k', roles: ['root'] }, /roles must be one of/],
      ['no roles', { name: 'k', roles: [] }, /roles must contain at least 1/],
      ['a missing name', { roles: ['ops'] }, /name/],
      ['an unknown field', { name: 'k', roles: ['ops'], merchantId: '00000000-0000-4000-8000-000000000000' }, /property merchantId should not exist/],
    ])('answers 400 naming the field for %s, and stores nothing', async (_case, body, message) => {
      const admin = await h.keyFor('Validation Keys', ['admin']);
      const [{ n: before }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.api_keys`);
      const res = await http().post('/api-keys').set('Authorization', `Bearer ${admin.key}`).send(body).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
      const [{ n: after }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.api_keys`);
      expect(after).toBe(before);
    });

    it('answers 400 naming the param for a malformed id', async () => {
      const admin = await h.keyFor('Validation Keys', ['admin']);
      const res = await http().delete('/api-keys/not-a-uuid').set('Authorization', `Bearer ${admin.key}`).expect(400);
      expect(res.body.message).toEqual(['id must be a UUID']);
    });
  });

  describe('OpenAPI', () => {
    it('documents the DTOs: secrets are write-only inputs and absent from responses', () => {
      const doc = SwaggerModule.createDocument(h.app, new DocumentBuilder().addBearerAuth().build());
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/shops', '/shops/{id}', '/api-keys', '/api-keys/{id}', '/merchants/me']));
      const schemas = doc.components?.schemas as Record<string, { properties: Record<string, { writeOnly?: boolean }>; required?: string[] }>;
      expect(schemas.CreateShopDto.properties.appSecret.writeOnly).toBe(true);
      expect(schemas.CreateShopDto.required).toEqual(expect.arrayContaining(['platform', 'platformShopId', 'name', 'appKey']));
      // appSecret only for a merchant's own app (never for the operator's); no base URL: operator configuration
      expect(schemas.CreateShopDto.required).not.toContain('appSecret');
      expect(schemas.CreateShopDto.properties.baseUrl).toBeUndefined();
      expect(schemas.UpdateShopDto.properties.baseUrl).toBeUndefined();
      expect(Object.keys(schemas.ShopView.properties).filter((k) => /^(appSecret|accessToken|refreshToken|credentials.+)$/.test(k))).toEqual([]);
      expect(schemas.ShopView.properties.hasAccessToken).toBeDefined();
      expect(schemas.CreateApiKeyDto.properties.roles).toBeDefined();
      // the shop's location (Taobao's item.add): an optional { state, city } on create, update and the view
      for (const dto of ['CreateShopDto', 'UpdateShopDto', 'ShopView']) {
        expect(schemas[dto].properties.location).toMatchObject({ allOf: [{ $ref: '#/components/schemas/ShopLocationDto' }] });
        expect(schemas[dto].required ?? []).not.toContain('location');
      }
      expect(schemas.ShopLocationDto.required).toEqual(['state', 'city']);
      expect(schemas.ShopLocationDto.properties).toMatchObject({ state: { type: 'string', maxLength: 64 }, city: { type: 'string', maxLength: 64 } });
    });
  });
});
