import { randomBytes, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Logger, type LoggerService } from '@nestjs/common';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { CORE_MIGRATIONS } from '../../src/migrations';
import { PlatformOperatorConfig } from '@app/platforms';
import { CORE_ENTITIES, Merchant, PlatformApp, PlatformAppRegistry, SecretBox, SecretBoxError, Shop, ShopDirectoryService, openShopSecrets, sealShopSecrets } from '../../src';

const APP_SECRET = 'dir-appsecret-TOPSECRET-1';
const ACCESS = 'dir-access-TOPSECRET-2';
const REFRESH = 'dir-refresh-TOPSECRET-3';

class Capture implements LoggerService {
  lines: string[] = [];
  log(m: unknown) { this.lines.push(String(m)); }
  error(m: unknown) { this.lines.push(String(m)); }
  warn(m: unknown) { this.lines.push(String(m)); }
  debug(m: unknown) { this.lines.push(String(m)); }
  verbose(m: unknown) { this.lines.push(String(m)); }
}

describe(ShopDirectoryService.name, () => {
  let db: TestDatabase;
  let box: SecretBox;
  let merchantId: string;
  const logs = new Capture();

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: CORE_MIGRATIONS, entities: CORE_ENTITIES });
    box = new SecretBox(randomBytes(32));
    merchantId = randomUUID();
    await db.dataSource.getRepository(Merchant).insert({ id: merchantId, name: 'Directory Co' });
    Logger.overrideLogger(logs);
  });

  afterAll(async () => {
    Logger.overrideLogger(false);
    await db?.drop();
  });

  const repo = () => db.dataSource.getRepository(Shop);
  const operator = PlatformOperatorConfig.fromEnv((name) => ({ PLATFORM_BASE_URL_XIAOHONGSHU: 'http://127.0.0.1:4020/' })[name]);
  const registry = (b = box) => new PlatformAppRegistry(db.dataSource.getRepository(PlatformApp), repo(), b, operator);
  const newSut = (ttlMs = 60_000, b = box) => new ShopDirectoryService(repo(), b, registry(b), operator, ttlMs);

  async function insertShop(over: Partial<Shop> = {}, secrets = { appSecret: APP_SECRET, accessToken: ACCESS as string | null, refreshToken: REFRESH as string | null }) {
    const id = over.id ?? randomUUID();
    await repo().insert({
      id,
      merchantId,
      platform: 'xiaohongshu',
      platformShopId: `xhs-${id.slice(0, 8)}`,
      name: 'Red',
      appKey: `app-${id.slice(0, 8)}`,
      credentials: sealShopSecrets(box, id, secrets),
      tokenExpiresAt: new Date('2031-05-01T00:00:00Z'),
      status: 'active',
      statusReason: null,
      ...over,
    });
    const shop = await repo().findOneByOrFail({ id });
    // a shop from before core.platform_apps: its app carried over by the migration (secret NULL, still in the blob)
    await db.dataSource.query(
      `INSERT INTO core.platform_apps (platform, app_key, merchant_id, secret) VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING`,
      [shop.platform, shop.appKey, shop.merchantId],
    );
    return shop;
  }

  describe('get / findByPlatformShopId / appSecret', () => {
    it('decrypts the credentials into a ShopContext', async () => {
      const shop = await insertShop();
      const sut = newSut();
      const ctx = await sut.get(shop.id);
      expect(ctx).toEqual({
        shopId: shop.id,
        platform: 'xiaohongshu',
        platformShopId: shop.platformShopId,
        // operator configuration (PLATFORM_BASE_URL_XIAOHONGSHU), not a shop field
        baseUrl: 'http://127.0.0.1:4020',
        credentials: {
          appKey: shop.appKey,
          appSecret: APP_SECRET,
          accessToken: ACCESS,
          refreshToken: REFRESH,
          accessTokenExpiresAt: new Date('2031-05-01T00:00:00Z'),
        },
      });
      expect(await sut.findByPlatformShopId('xiaohongshu', shop.platformShopId)).toEqual(ctx);
      expect(await sut.findByPlatformShopId('douyin', shop.platformShopId)).toBeNull();
      expect(await sut.appSecret('xiaohongshu', shop.appKey)).toBe(APP_SECRET);
      expect(await sut.appSecret('xiaohongshu', 'no-such-app')).toBeNull();
      expect(await sut.get(randomUUID())).toBeNull();
      expect(await sut.get('not-a-uuid')).toBeNull();
    });

    it("carries the shop's location when set, and none when not", async () => {
      const located = await insertShop({ locationState: '浙江', locationCity: '杭州' });
      const plain = await insertShop();
      const sut = newSut();
      expect((await sut.get(located.id))?.location).toEqual({ state: '浙江', city: '杭州' });
      expect((await sut.listActive('xiaohongshu')).find((s) => s.shopId === located.id)?.location).toEqual({ state: '浙江', city: '杭州' });
      expect(await sut.get(plain.id)).not.toHaveProperty('location');
    });

    it('never prints secrets when a context is serialised or inspected', async () => {
      const shop = await insertShop();
      const ctx = await newSut().get(shop.id);
      const out = `${JSON.stringify(ctx)} ${inspect(ctx, { depth: 5 })}`;
      for (const s of [APP_SECRET, ACCESS, REFRESH]) expect(out).not.toContain(s);
      expect(out).toContain(shop.appKey);
      expect(JSON.stringify(shop)).not.toMatch(/credentials/);
    });

    it('serves from a short cache until invalidated', async () => {
      const shop = await insertShop();
      const sut = newSut();
      await sut.get(shop.id);
      await repo().update({ id: shop.id }, { tokenExpiresAt: new Date('2033-01-01T00:00:00Z') });
      expect((await sut.get(shop.id))?.credentials.accessTokenExpiresAt).toEqual(new Date('2031-05-01T00:00:00Z'));
      sut.invalidate(shop.id);
      expect((await sut.get(shop.id))?.credentials.accessTokenExpiresAt).toEqual(new Date('2033-01-01T00:00:00Z'));
      expect((await newSut(0).get(shop.id))?.credentials.accessTokenExpiresAt).toEqual(new Date('2033-01-01T00:00:00Z'));
    });

    it('hides disabled shops', async () => {
      const shop = await insertShop({ status: 'disabled' });
      const sut = newSut();
      expect(await sut.get(shop.id)).toBeNull();
      expect(await sut.findByPlatformShopId('xiaohongshu', shop.platformShopId)).toBeNull();
      // its app is registered, but no usable shop carries its (carried-over) secret
      expect(await sut.appSecret('xiaohongshu', shop.appKey)).toBeNull();
    });
  });

  describe('app ownership (never "the newest shop of any merchant")', () => {
    it("takes an app's secret from its owner only; another merchant's shop under that key is not usable", async () => {
      const owned = await insertShop({ appKey: 'shared-app' }, { appSecret: 'owner-secret', accessToken: ACCESS, refreshToken: REFRESH });
      // merchant B's newer shop claims the same app key with its own secret in its blob (data from before the fix)
      const other = randomUUID();
      await db.dataSource.getRepository(Merchant).insert({ id: other, name: 'Other Co' });
      const foreign = await insertShop({ merchantId: other, appKey: 'shared-app' }, { appSecret: 'attacker-secret', accessToken: ACCESS, refreshToken: REFRESH });
      await repo().update({ id: foreign.id }, { name: 'touched later' });
      const sut = newSut();
      expect(await sut.appSecret('xiaohongshu', 'shared-app')).toBe('owner-secret');
      expect((await sut.get(owned.id))?.credentials.appSecret).toBe('owner-secret');
      expect(await sut.get(foreign.id)).toBeNull();
      expect(await sut.findByPlatformShopId('xiaohongshu', foreign.platformShopId)).toBeNull();
      expect((await sut.listActive()).map((s) => s.shopId)).not.toContain(foreign.id);
    });

    it("uses the operator's ISV secret for every merchant's shop of that app, whatever a shop blob holds", async () => {
      const isv = PlatformOperatorConfig.fromEnv((name) => ({ PLATFORM_APPS: JSON.stringify([{ platform: 'xiaohongshu', appKey: 'isv-app', appSecret: 'isv-secret' }]) })[name]);
      const shop = await insertShop({ appKey: 'isv-app' }, { appSecret: 'pasted-secret', accessToken: ACCESS, refreshToken: REFRESH });
      const apps = new PlatformAppRegistry(db.dataSource.getRepository(PlatformApp), repo(), box, isv);
      const sut = new ShopDirectoryService(repo(), box, apps, isv, 0);
      expect(await sut.appSecret('xiaohongshu', 'isv-app')).toBe('isv-secret');
      expect((await sut.get(shop.id))?.credentials.appSecret).toBe('isv-secret');
    });
  });

  describe('listActive', () => {
    it('lists active shops only, by platform when asked', async () => {
      const active = await insertShop();
      const douyin = await insertShop({ platform: 'douyin' });
      const reauth = await insertShop({ status: 'needs_reauth', statusReason: 'x' });
      const sut = newSut();
      const all = (await sut.listActive()).map((s) => s.shopId);
      expect(all).toEqual(expect.arrayContaining([active.id, douyin.id]));
      expect(all).not.toContain(reauth.id);
      const onlyDouyin = await sut.listActive('douyin');
      expect(onlyDouyin.every((s) => s.platform === 'douyin')).toBe(true);
      expect(onlyDouyin.map((s) => s.shopId)).toContain(douyin.id);
    });

    it('activeShopsVersion changes when a shop is added, leaves or re-enters the active set, and only then', async () => {
      const sut = newSut();
      const v0 = await sut.activeShopsVersion();
      const shop = await insertShop();
      const v1 = await sut.activeShopsVersion();
      expect(v1).not.toBe(v0);
      // a change that keeps the active set as it is (a token saved) keeps the version
      await sut.saveTokens(shop.id, { accessToken: 'a2', refreshToken: null, accessTokenExpiresAt: new Date('2031-06-01T00:00:00Z') });
      expect(await sut.activeShopsVersion()).toBe(v1);
      await sut.markNeedsReauth(shop.id, 'revoked');
      expect(await sut.activeShopsVersion()).toBe(v0);
      // re-authorised: active again
      await sut.saveTokens(shop.id, { accessToken: 'a3', refreshToken: null, accessTokenExpiresAt: new Date('2031-06-01T00:00:00Z') });
      expect(await sut.activeShopsVersion()).toBe(v1);
    });
  });

  describe('saveTokens', () => {
    it('re-encrypts new tokens, keeps the refresh token when none is given, and drops the cache', async () => {
      const shop = await insertShop();
      const sut = newSut();
      await sut.get(shop.id);
      const expires = new Date('2032-01-01T00:00:00Z');
      await sut.saveTokens(shop.id, { accessToken: 'new-access-TOPSECRET', refreshToken: null, accessTokenExpiresAt: expires });

      const row = await repo().findOneByOrFail({ id: shop.id });
      expect(row.credentials.equals(shop.credentials)).toBe(false);
      expect(row.credentials.includes(Buffer.from('new-access-TOPSECRET'))).toBe(false);
      expect(openShopSecrets(box, row)).toEqual({ appSecret: APP_SECRET, accessToken: 'new-access-TOPSECRET', refreshToken: REFRESH });
      expect(row.tokenExpiresAt).toEqual(expires);

      const ctx = await sut.get(shop.id);
      expect(ctx?.credentials.accessToken).toBe('new-access-TOPSECRET');
      expect(ctx?.credentials.accessTokenExpiresAt).toEqual(expires);
    });

    it("keeps the grant's end when the platform says it, and an answer that does not say leaves it as it was", async () => {
      const shop = await insertShop();
      const grantEnd = new Date('2032-06-01T00:00:00Z');
      await newSut().saveTokens(shop.id, { accessToken: 'a', refreshToken: 'r', accessTokenExpiresAt: new Date(), refreshTokenExpiresAt: grantEnd });
      expect((await repo().findOneByOrFail({ id: shop.id })).refreshTokenExpiresAt).toEqual(grantEnd);
      await newSut().saveTokens(shop.id, { accessToken: 'b', refreshToken: 'r2', accessTokenExpiresAt: new Date() });
      expect((await repo().findOneByOrFail({ id: shop.id })).refreshTokenExpiresAt).toEqual(grantEnd);
    });

    it('re-activates a needs_reauth shop', async () => {
      const shop = await insertShop({ status: 'needs_reauth', statusReason: 'expired' });
      await newSut().saveTokens(shop.id, { accessToken: 'a', refreshToken: 'r', accessTokenExpiresAt: new Date() });
      expect(await repo().findOneByOrFail({ id: shop.id })).toMatchObject({ status: 'active', statusReason: null });
    });

    it('throws for an unknown shop', async () => {
      await expect(newSut().saveTokens(randomUUID(), { accessToken: 'a', refreshToken: null, accessTokenExpiresAt: new Date() })).rejects.toThrow(/not found/);
    });
  });

  describe('markNeedsReauth', () => {
    it('sets status and reason, drops the cache, and leaves disabled shops alone', async () => {
      const shop = await insertShop();
      const sut = newSut();
      expect((await sut.listActive()).map((s) => s.shopId)).toContain(shop.id);
      await sut.markNeedsReauth(shop.id, 'refresh token revoked (code 10020)');
      expect(await repo().findOneByOrFail({ id: shop.id })).toMatchObject({ status: 'needs_reauth', statusReason: 'refresh token revoked (code 10020)' });
      expect((await sut.listActive()).map((s) => s.shopId)).not.toContain(shop.id);
      expect(await sut.get(shop.id)).not.toBeNull(); // still readable: push verification and re-auth need it

      const disabled = await insertShop({ status: 'disabled' });
      await sut.markNeedsReauth(disabled.id, 'x');
      expect((await repo().findOneByOrFail({ id: disabled.id })).status).toBe('disabled');
    });
  });

  describe('tampering', () => {
    it('refuses a credentials blob copied from another row, with a message free of secrets', async () => {
      const source = await insertShop();
      const target = await insertShop({}, { appSecret: 'other', accessToken: null, refreshToken: null });
      await repo().update({ id: target.id }, { credentials: source.credentials });
      const sut = newSut();
      let caught: unknown;
      try {
        await sut.get(target.id);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SecretBoxError);
      expect((caught as Error).message).toContain(target.id);
      const text = `${(caught as Error).message} ${(caught as Error).stack} ${inspect(caught)}`;
      for (const s of [APP_SECRET, ACCESS, REFRESH]) expect(text).not.toContain(s);

      // one unreadable shop does not hide the others from listActive
      const listed = (await sut.listActive()).map((s) => s.shopId);
      expect(listed).toContain(source.id);
      expect(listed).not.toContain(target.id);
    });

    it('refuses credentials under another SECRETS_KEY', async () => {
      const shop = await insertShop();
      const other = newSut(60_000, new SecretBox(randomBytes(32)));
      await expect(other.get(shop.id)).rejects.toThrow(/wrong SECRETS_KEY/);
    });
  });

  it('logged no secret in the whole suite', () => {
    expect(logs.lines.join('\n')).toMatch(/needs re-authorisation/);
    expect(logs.lines.join('\n')).not.toMatch(/TOPSECRET/);
  });
});
