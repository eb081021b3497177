import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ShopDirectory, platformRegistry } from '@app/platforms';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { ShopsService } from '../../src/shops/shops.service';
import { type GatewayHarness, buildGatewayHarness } from './auth.harness';

const APP_SECRET = 'appsecret-NEVER-SHOWN-91c2';
const ACCESS_TOKEN = 'accesstoken-NEVER-SHOWN-5d1e';
const REFRESH_TOKEN = 'refreshtoken-NEVER-SHOWN-77aa';
const ISV_SECRET = 'isv-secret-NEVER-SHOWN-0b3f';
const PLATFORM_APPS = JSON.stringify([{ platform: 'douyin', appKey: 'isv-douyin', appSecret: ISV_SECRET }]);

describe('gateway /shops', () => {
  let db: TestDatabase;
  let h: GatewayHarness;
  let admin: string;
  let adminB: string;
  let merchantB: string;
  let seq = 0;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    h = await buildGatewayHarness(db.url, { PLATFORM_APPS });
    admin = (await h.keyFor('Shops A', ['admin'])).key;
    const b = await h.keyFor('Shops B', ['admin']);
    adminB = b.key;
    merchantB = b.merchantId;
  });

  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  const http = () => request(h.app.getHttpServer());
  const shopBody = (over: Record<string, unknown> = {}) => ({
    platform: 'douyin',
    platformShopId: `ps-${Date.now()}-${++seq}`,
    name: 'Flagship',
    appKey: 'ak-douyin-1',
    appSecret: APP_SECRET,
    accessToken: ACCESS_TOKEN,
    refreshToken: REFRESH_TOKEN,
    tokenExpiresAt: '2030-01-01T00:00:00.000Z',
    ...over,
  });
  // each merchant its own self-developed app
  const createShop = async (key = admin, over: Record<string, unknown> = {}) =>
    (await http().post('/shops').set('Authorization', `Bearer ${key}`).send(shopBody({ appKey: key === adminB ? 'ak-douyin-B' : 'ak-douyin-1', ...over })).expect(201)).body;
  const shopCount = async () => (await db.dataSource.query(`SELECT count(*)::int AS n FROM core.shops`))[0].n as number;

  it('registers a shop: encrypted at rest, no secret in the response, the operator\'s base URL', async () => {
    const res = await http().post('/shops').set('Authorization', `Bearer ${admin}`).send(shopBody({ platform: 'taobao' })).expect(201);
    expect(res.body).toMatchObject({
      platform: 'taobao',
      name: 'Flagship',
      appKey: 'ak-douyin-1',
      status: 'active',
      credentials: 'ok',
      hasAccessToken: true,
      hasRefreshToken: true,
      tokenExpiresAt: '2030-01-01T00:00:00.000Z',
    });
    const text = JSON.stringify(res.body);
    for (const s of [APP_SECRET, ACCESS_TOKEN, REFRESH_TOKEN]) expect(text).not.toContain(s);

    const [row] = await db.dataSource.query(`SELECT credentials FROM core.shops WHERE id = $1`, [res.body.id]);
    const raw: Buffer = row.credentials;
    for (const s of [APP_SECRET, ACCESS_TOKEN, REFRESH_TOKEN]) expect(raw.includes(Buffer.from(s))).toBe(false);

    const ctx = await h.app.get(ShopDirectory).get(res.body.id);
    expect(ctx?.credentials).toMatchObject({ appKey: 'ak-douyin-1', appSecret: APP_SECRET, accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN });
    // no base URL field anywhere: PLATFORM_BASE_URL_TAOBAO, here unset, so the production host
    expect(res.body).not.toHaveProperty('baseUrl');
    expect(ctx?.baseUrl).toBe('https://eco.taobao.com');
    expect(h.logs.text()).not.toMatch(/NEVER-SHOWN/);
  });

  describe('app ownership', () => {
    it("refuses another merchant's app key with 409, never naming the owner; the owner's secret stays", async () => {
      await createShop(adminB, { appKey: 'ak-hijack-B', appSecret: 'secret-of-B' });
      const dir = h.app.get(ShopDirectory);
      const before = await shopCount();
      for (const body of [
        shopBody({ appKey: 'ak-hijack-B', appSecret: 'secret-chosen-by-A' }),
        shopBody({ appKey: 'ak-hijack-B', appSecret: undefined }),
      ]) {
        const res = await http().post('/shops').set('Authorization', `Bearer ${admin}`).send(body).expect(409);
        expect(res.body.message).toBe('douyin app key ak-hijack-B is already registered');
        expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${merchantB}|Shops B`));
      }
      // moving an own shop onto B's app key: the same 409
      const mine = await createShop();
      await http().patch(`/shops/${mine.id}`).set('Authorization', `Bearer ${admin}`).send({ appKey: 'ak-hijack-B', appSecret: 'x' }).expect(409);
      expect(await shopCount()).toBe(before + 1);
      expect(await dir.appSecret('douyin', 'ak-hijack-B')).toBe('secret-of-B');
      expect((await dir.get(mine.id))?.credentials.appKey).toBe('ak-douyin-1');
    });

    it('keeps one secret per app: a second shop of an own app must send the same secret or none', async () => {
      await createShop(admin, { appKey: 'ak-own-2', appSecret: 'own-2-secret' });
      const mismatch = await http().post('/shops').set('Authorization', `Bearer ${admin}`).send(shopBody({ appKey: 'ak-own-2', appSecret: 'another' })).expect(409);
      expect(mismatch.body.message).toMatch(/appSecret does not match/);
      const second = await createShop(admin, { appKey: 'ak-own-2', appSecret: undefined });
      expect((await h.app.get(ShopDirectory).get(second.id))?.credentials.appSecret).toBe('own-2-secret');
    });

    it("shares the operator's ISV app among merchants; its secret comes only from PLATFORM_APPS", async () => {
      const a = await createShop(admin, { appKey: 'isv-douyin', appSecret: undefined });
      const b = await createShop(adminB, { appKey: 'isv-douyin', appSecret: undefined });
      const dir = h.app.get(ShopDirectory);
      expect((await dir.get(a.id))?.credentials.appSecret).toBe(ISV_SECRET);
      expect((await dir.get(b.id))?.credentials.appSecret).toBe(ISV_SECRET);
      const before = await shopCount();
      const res = await http().post('/shops').set('Authorization', `Bearer ${admin}`).send(shopBody({ appKey: 'isv-douyin', appSecret: 'mine' })).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/appSecret must not be sent/);
      expect(await shopCount()).toBe(before);
      expect(await dir.appSecret('douyin', 'isv-douyin')).toBe(ISV_SECRET);
    });
  });

  it('answers 409 when the platform shop is already registered', async () => {
    const shop = await createShop();
    const before = await shopCount();
    const res = await http()
      .post('/shops')
      .set('Authorization', `Bearer ${adminB}`)
      .send(shopBody({ platformShopId: shop.platformShopId, appKey: 'ak-douyin-B' }))
      .expect(409);
    expect(res.body.message).toBe(`a douyin shop with platformShopId ${shop.platformShopId} is already registered`);
    expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${shop.merchantId}|Shops A`));
    expect(await shopCount()).toBe(before);
  });

  describe('validation', () => {
    it.each([
      ['an unknown field', { secretNote: 'x' }, /property secretNote should not exist/],
      ['an unknown platform', { platform: 'jd' }, new RegExp(`platform must be one of: ${platformRegistry.names().join(', ')}`)],
      ['a numeric platformShopId', { platformShopId: 12345 }, /platformShopId must be a string/],
      ['a missing appSecret of a new app', { appSecret: undefined, appKey: 'ak-never-seen' }, /appSecret is required/],
      ['a baseUrl (operator configuration, not a shop field)', { baseUrl: 'http://127.0.0.1:4010' }, /property baseUrl should not exist/],
      ['a malformed tokenExpiresAt', { tokenExpiresAt: 'tomorrow' }, /tokenExpiresAt must be a valid ISO 8601/],
      ['an empty location.city', { location: { state: '浙江', city: '' } }, /location\.city should not be empty/],
      ['a blank location.city', { location: { state: '浙江', city: '   ' } }, /location\.city must not be blank/],
      ['a numeric location.city', { location: { state: '浙江', city: 571 } }, /location\.city must be a string/],
      ['a too long location.city', { location: { state: '浙江', city: 'x'.repeat(65) } }, /location\.city must be shorter than or equal to 64 characters/],
      ['a location without state', { location: { city: '杭州' } }, /location\.state should not be empty/],
      ['a location that is not an object', { location: '浙江 杭州' }, /location must be an object/],
      ['an unknown field in location', { location: { state: '浙江', city: '杭州', district: '西湖' } }, /location\.property district should not exist/],
    ])('answers 400 naming the field for %s, and stores nothing', async (_case, over, message) => {
      const before = await shopCount();
      const res = await http().post('/shops').set('Authorization', `Bearer ${admin}`).send(shopBody(over)).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
      expect(JSON.stringify(res.body)).not.toContain(APP_SECRET);
      expect(await shopCount()).toBe(before);
    });

    it.each([
      ['GET', '/shops/123'],
      ['PATCH', '/shops/not-a-uuid'],
      ['DELETE', '/shops/zzz'],
    ])('answers 400 naming the param for %s %s', async (method, path) => {
      const res = await http()[method.toLowerCase() as 'get' | 'patch' | 'delete'](path).set('Authorization', `Bearer ${admin}`).send({}).expect(400);
      expect(res.body.message).toEqual(['id must be a UUID']);
    });

    it('rejects baseUrl on PATCH naming the field, and changes nothing', async () => {
      const shop = await createShop();
      const res = await http().patch(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).send({ baseUrl: 'http://169.254.169.254', name: 'moved' }).expect(400);
      expect(res.body.message).toEqual(['property baseUrl should not exist']);
      expect((await http().get(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).expect(200)).body.name).toBe('Flagship');
    });

    it('rejects a bad location on PATCH naming location.city, and changes nothing', async () => {
      const shop = await createShop(admin, { location: { state: '浙江', city: '杭州' } });
      const res = await http().patch(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).send({ location: { state: '江苏', city: '' }, name: 'moved' }).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/location\.city should not be empty/);
      const after = (await http().get(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).expect(200)).body;
      expect(after).toMatchObject({ name: 'Flagship', location: { state: '浙江', city: '杭州' } });
    });

    it('rejects an unknown status on PATCH and changes nothing', async () => {
      const shop = await createShop();
      const res = await http().patch(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).send({ status: 'paused', name: 'renamed' }).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/status must be one of/);
      const after = await http().get(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).expect(200);
      expect(after.body.name).toBe('Flagship');
    });
  });

  describe('location', () => {
    it('round-trips on create, GET and PATCH; the directory carries it; null clears it', async () => {
      const dir = h.app.get(ShopDirectory);
      const none = await createShop(admin, { platform: 'taobao' });
      expect(none.location).toBeNull();
      expect(await dir.get(none.id)).not.toHaveProperty('location');

      const created = await createShop(admin, { platform: 'taobao', location: { state: '浙江', city: '杭州' } });
      expect(created.location).toEqual({ state: '浙江', city: '杭州' });
      expect((await http().get(`/shops/${created.id}`).set('Authorization', `Bearer ${admin}`).expect(200)).body.location).toEqual({ state: '浙江', city: '杭州' });
      expect((await dir.get(created.id))?.location).toEqual({ state: '浙江', city: '杭州' }); // now cached

      const patched = await http().patch(`/shops/${created.id}`).set('Authorization', `Bearer ${admin}`).send({ location: { state: '广东', city: '深圳' } }).expect(200);
      expect(patched.body.location).toEqual({ state: '广东', city: '深圳' });
      expect((await http().get(`/shops/${created.id}`).set('Authorization', `Bearer ${admin}`).expect(200)).body.location).toEqual({ state: '广东', city: '深圳' });
      expect((await dir.get(created.id))?.location).toEqual({ state: '广东', city: '深圳' });
      const listed = (await http().get('/shops').set('Authorization', `Bearer ${admin}`).expect(200)).body.find((s: { id: string }) => s.id === created.id);
      expect(listed.location).toEqual({ state: '广东', city: '深圳' });

      // a PATCH that does not mention it keeps it
      expect((await http().patch(`/shops/${created.id}`).set('Authorization', `Bearer ${admin}`).send({ name: 'renamed' }).expect(200)).body.location).toEqual({ state: '广东', city: '深圳' });
      const cleared = await http().patch(`/shops/${created.id}`).set('Authorization', `Bearer ${admin}`).send({ location: null }).expect(200);
      expect(cleared.body.location).toBeNull();
      expect(await dir.get(created.id)).not.toHaveProperty('location');
    });

    it("never shows or changes another merchant's shop location (404)", async () => {
      const theirs = await createShop(adminB, { platform: 'taobao', location: { state: '浙江', city: '杭州' } });
      for (const req of [http().get(`/shops/${theirs.id}`), http().patch(`/shops/${theirs.id}`).send({ location: { state: '广东', city: '深圳' } })]) {
        const res = await req.set('Authorization', `Bearer ${admin}`).expect(404);
        expect(res.body.message).toBe(`shop ${theirs.id} not found`);
        expect(JSON.stringify(res.body)).not.toContain('杭州');
      }
      expect((await http().get(`/shops/${theirs.id}`).set('Authorization', `Bearer ${adminB}`).expect(200)).body.location).toEqual({ state: '浙江', city: '杭州' });
    });
  });

  describe('merchant scope', () => {
    it('never shows, changes or disables another merchant’s shop (404)', async () => {
      const theirs = await createShop(adminB);
      for (const req of [
        http().get(`/shops/${theirs.id}`),
        http().patch(`/shops/${theirs.id}`).send({ name: 'hijacked' }),
        http().delete(`/shops/${theirs.id}`),
      ]) {
        const res = await req.set('Authorization', `Bearer ${admin}`).expect(404);
        expect(res.body.message).toBe(`shop ${theirs.id} not found`);
        expect(JSON.stringify(res.body)).not.toContain(theirs.platformShopId);
      }
      const list = await http().get('/shops').set('Authorization', `Bearer ${admin}`).expect(200);
      expect(list.body.map((s: { id: string }) => s.id)).not.toContain(theirs.id);
      const still = await http().get(`/shops/${theirs.id}`).set('Authorization', `Bearer ${adminB}`).expect(200);
      expect(still.body).toMatchObject({ name: 'Flagship', status: 'active' });
    });
  });

  describe('assertOwned (shop ids in other features’ bodies)', () => {
    it('passes for own shops and 404s naming the first foreign or unknown id', async () => {
      const mine = await createShop();
      const theirs = await createShop(adminB);
      const sut = h.app.get(ShopsService);
      const me = (await http().get('/merchants/me').set('Authorization', `Bearer ${admin}`).expect(200)).body.id;
      await expect(sut.assertOwned(me, [mine.id, mine.id])).resolves.toBeUndefined();
      await expect(sut.assertOwned(me, [mine.id, theirs.id])).rejects.toMatchObject({ status: 404, message: `shop ${theirs.id} not found` });
    });
  });

  describe('roles', () => {
    it('lets ops and merchandiser read but not write', async () => {
      const shop = await createShop();
      for (const role of ['ops', 'merchandiser'] as const) {
        const { key } = await h.keyFor('Shops A', [role]);
        await http().get('/shops').set('Authorization', `Bearer ${key}`).expect(200);
        await http().get(`/shops/${shop.id}`).set('Authorization', `Bearer ${key}`).expect(200);
        await http().post('/shops').set('Authorization', `Bearer ${key}`).send(shopBody()).expect(403);
        await http().patch(`/shops/${shop.id}`).set('Authorization', `Bearer ${key}`).send({ name: 'x' }).expect(403);
        await http().delete(`/shops/${shop.id}`).set('Authorization', `Bearer ${key}`).expect(403);
      }
    });
  });

  describe('PATCH and DELETE', () => {
    it('rotates one credential, keeps the others, and the directory sees it at once', async () => {
      const shop = await createShop();
      const dir = h.app.get(ShopDirectory);
      expect((await dir.get(shop.id))?.credentials.accessToken).toBe(ACCESS_TOKEN); // now cached
      const res = await http().patch(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).send({ accessToken: 'rotated-token-NEVER-SHOWN' }).expect(200);
      expect(JSON.stringify(res.body)).not.toContain('rotated-token');
      const ctx = await dir.get(shop.id);
      expect(ctx?.credentials).toMatchObject({ appSecret: APP_SECRET, accessToken: 'rotated-token-NEVER-SHOWN', refreshToken: REFRESH_TOKEN });
    });

    it('re-activates a needs_reauth shop when a new access token arrives', async () => {
      const shop = await createShop();
      await h.app.get(ShopDirectory).markNeedsReauth(shop.id, 'token revoked by platform');
      const before = await http().get(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).expect(200);
      expect(before.body).toMatchObject({ status: 'needs_reauth', statusReason: 'token revoked by platform' });
      const after = await http().patch(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).send({ accessToken: 'fresh' }).expect(200);
      expect(after.body).toMatchObject({ status: 'active', statusReason: null });
    });

    it('disables on DELETE; the directory no longer returns the shop', async () => {
      const shop = await createShop();
      const dir = h.app.get(ShopDirectory);
      expect(await dir.get(shop.id)).not.toBeNull();
      const res = await http().delete(`/shops/${shop.id}`).set('Authorization', `Bearer ${admin}`).expect(200);
      expect(res.body).toMatchObject({ id: shop.id, status: 'disabled' });
      expect(await dir.get(shop.id)).toBeNull();
      expect((await dir.listActive()).map((s) => s.shopId)).not.toContain(shop.id);
    });

    it('answers 404 for an unknown shop id', async () => {
      await http().get('/shops/6f1c1b9e-2d0b-4b8f-9d55-0a4c1c7f4e11').set('Authorization', `Bearer ${admin}`).expect(404);
    });
  });

  it('logged nothing secret during the whole suite', () => {
    expect(h.logs.lines.length).toBeGreaterThan(0);
    expect(h.logs.text()).not.toMatch(/NEVER-SHOWN|rotated-token|secret-of-B|secret-chosen-by-A/);
    expect(h.logs.text()).not.toContain(h.secretsKeyHex);
  });
});
