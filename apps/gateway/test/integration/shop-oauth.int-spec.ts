import { Global, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { Platform } from '@app/contracts';
import { PlatformAdapterLookup } from '@app/intake';
import { DouyinAdapter, PlatformAdapterRegistry, ShopDirectory, TaobaoAdapter, XiaohongshuAdapter, type PlatformAdapterDeps } from '@app/platforms';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { DOUYIN_DEMO_SHOP, TAOBAO_DEMO_SHOP, XHS_DEMO_SHOP, startSimulator, type AnySimulator, type SimShopConfig } from '@app/sandbox';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { ShopOauthModule } from '../../src/shops/oauth/shop-oauth.module';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { type GatewayHarness, buildGatewayHarness } from './auth.harness';

const PLATFORMS: Platform[] = ['douyin', 'taobao', 'xiaohongshu'];
const DEMO: Record<Platform, SimShopConfig> = { douyin: DOUYIN_DEMO_SHOP, taobao: TAOBAO_DEMO_SHOP, xiaohongshu: XHS_DEMO_SHOP };
const PAGE: Record<Platform, string> = { douyin: '/authorize', taobao: '/authorize', xiaohongshu: '/ark/authorization' };
const REDIRECT_BASE = 'http://gateway.test';

describe('shop onboarding through OAuth (against the simulators)', () => {
  let db: TestDatabase;
  let h: GatewayHarness;
  let redis: Redis;
  const sims = {} as Record<Platform, AnySimulator>;
  let adminA: string;
  let adminB: string;
  let merchantA: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    for (const p of PLATFORMS) sims[p] = await startSimulator(p, { products: 0, qps: null });
    redis = new Redis('redis://127.0.0.1:6379');
    const deps: PlatformAdapterDeps = {
      // the code exchange needs no shop directory; nothing else is called here
      directory: {} as ShopDirectory,
      breakers: new BreakerRegistry({ requestTimeoutMs: 5000 }),
      limiter: new RedisRateLimiter(redis, { keyPrefix: `${testPrefix('oauth')}-qps`, defaultQps: 1000 }),
      // the simulators listen on loopback: the tests' operator allowance
      options: { timeoutMs: 5000, outbound: testOutboundPolicy() },
    };
    const registry = new PlatformAdapterRegistry([new DouyinAdapter(deps), new TaobaoAdapter(deps), new XiaohongshuAdapter(deps)]);
    @Global()
    @Module({ providers: [{ provide: PlatformAdapterLookup, useValue: registry }], exports: [PlatformAdapterLookup] })
    class Adapters {}
    const env: Record<string, string> = {
      // douyin's demo app is the operator's ISV app; taobao's and xiaohongshu's are merchants' own apps
      PLATFORM_APPS: JSON.stringify([{ platform: 'douyin', appKey: DOUYIN_DEMO_SHOP.appKey, appSecret: DOUYIN_DEMO_SHOP.appSecret }]),
    };
    for (const p of PLATFORMS) {
      env[`PLATFORM_BASE_URL_${p.toUpperCase()}`] = sims[p].url;
      env[`PLATFORM_AUTHORIZE_URL_${p.toUpperCase()}`] = `${sims[p].url}${PAGE[p]}`;
    }
    h = await buildGatewayHarness(db.url, env, [Adapters, ShopOauthModule.register({ redirectBaseUrl: REDIRECT_BASE, stateTtlMs: 600_000 })]);
    const a = await h.keyFor('OAuth A', ['admin']);
    adminA = a.key;
    merchantA = a.merchantId;
    adminB = (await h.keyFor('OAuth B', ['admin'])).key;
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all(Object.values(sims).map((s) => s.close()));
    redis?.disconnect();
    await db?.drop();
  });

  const http = () => request(h.app.getHttpServer());
  const shopCount = async () => (await db.dataSource.query(`SELECT count(*)::int AS n FROM core.shops`))[0].n as number;
  const authorize = async (key: string, body: Record<string, unknown>) =>
    (await http().post('/shops/authorize').set('Authorization', `Bearer ${key}`).send(body).expect(201)).body as { authorizeUrl: string; state: string };
  /** the seller approves on the platform's page; returns the gateway callback path the platform redirects to */
  const approve = async (authorizeUrl: string, platformShopId: string): Promise<string> => {
    const url = new URL(authorizeUrl);
    url.searchParams.set('sim_approve_shop', platformShopId);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') as string);
    expect(location.origin).toBe(REDIRECT_BASE);
    return `${location.pathname}${location.search}`;
  };

  it("douyin with the operator's app: authorise URL -> approve -> callback -> the shop, with tokens that work", async () => {
    const { authorizeUrl, state } = await authorize(adminA, { platform: 'douyin' });
    const url = new URL(authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${sims.douyin.url}/authorize`);
    expect(url.searchParams.get('service_id')).toBe(DOUYIN_DEMO_SHOP.appKey);
    expect(url.searchParams.get('state')).toBe(state);
    const callback = await approve(authorizeUrl, DOUYIN_DEMO_SHOP.platformShopId);
    expect(callback).toMatch(/^\/shops\/oauth\/callback\/douyin\?code=.+&state=/);

    const res = await http().get(callback).expect(201);
    expect(res.body).toMatchObject({ platform: 'douyin', platformShopId: DOUYIN_DEMO_SHOP.platformShopId, appKey: DOUYIN_DEMO_SHOP.appKey, merchantId: merchantA, hasAccessToken: true, status: 'active' });
    const ctx = await h.app.get(ShopDirectory).get(res.body.id);
    // the tokens the simulator issued for that code, and they answer a real call
    expect(ctx?.credentials.accessToken).toBe(sims.douyin.store.shop(DOUYIN_DEMO_SHOP.platformShopId).accessToken);
    expect(ctx?.baseUrl).toBe(sims.douyin.url);
    await expect(h.app.get(PlatformAdapterLookup).get('douyin').getStock(ctx!, '1', '1')).rejects.toMatchObject({ kind: 'not_found' });

    // the state is single use: the same callback again is refused and changes nothing
    const before = await shopCount();
    const replay = await http().get(callback).expect(400);
    expect(replay.body.message).toEqual(['state is unknown, expired or already used']);
    expect(await shopCount()).toBe(before);

    // merchant B cannot onboard the same platform shop: 409, never naming A
    const b = await authorize(adminB, { platform: 'douyin' });
    const taken = await http().get(await approve(b.authorizeUrl, DOUYIN_DEMO_SHOP.platformShopId)).expect(409);
    expect(taken.body.message).toBe(`a douyin shop with platformShopId ${DOUYIN_DEMO_SHOP.platformShopId} is already registered`);
    expect(JSON.stringify(taken.body)).not.toMatch(new RegExp(`${merchantA}|OAuth A`));
    expect(await shopCount()).toBe(before);
  });

  it.each(['taobao', 'xiaohongshu'] as const)("%s with the merchant's own app; another merchant cannot use that app", async (platform) => {
    const demo = DEMO[platform];
    await http().post('/platform-apps').set('Authorization', `Bearer ${adminA}`).send({ platform, appKey: demo.appKey, appSecret: demo.appSecret }).expect(201);
    const hijack = await http().post('/platform-apps').set('Authorization', `Bearer ${adminB}`).send({ platform, appKey: demo.appKey, appSecret: 'chosen-by-B' }).expect(409);
    expect(hijack.body.message).toBe(`${platform} app key ${demo.appKey} is already registered`);
    await http().post('/shops/authorize').set('Authorization', `Bearer ${adminB}`).send({ platform, appKey: demo.appKey }).expect(409);

    const { authorizeUrl } = await authorize(adminA, { platform, appKey: demo.appKey });
    const res = await http().get(await approve(authorizeUrl, demo.platformShopId)).expect(201);
    expect(res.body).toMatchObject({ platform, platformShopId: demo.platformShopId, appKey: demo.appKey, merchantId: merchantA });
    const ctx = await h.app.get(ShopDirectory).get(res.body.id);
    expect(ctx?.credentials).toMatchObject({ appSecret: demo.appSecret, accessToken: sims[platform].store.shop(demo.platformShopId).accessToken });

    // authorising again re-authorises the same shop (200), with the new tokens
    const again = await authorize(adminA, { platform, appKey: demo.appKey });
    const re = await http().get(await approve(again.authorizeUrl, demo.platformShopId)).expect(200);
    expect(re.body.id).toBe(res.body.id);
  });

  describe('bad states (400, nothing stored)', () => {
    it('refuses an unknown, malformed or missing state and a missing code', async () => {
      const before = await shopCount();
      const unknown = 'A'.repeat(43);
      for (const [query, message] of [
        [`code=x&state=${unknown}`, 'state is unknown, expired or already used'],
        ['code=x&state=short', 'state must be the state POST /shops/authorize returned'],
        ['code=x', 'state must be the state POST /shops/authorize returned'],
      ] as const) {
        const res = await http().get(`/shops/oauth/callback/douyin?${query}`).expect(400);
        expect(res.body.message).toEqual([message]);
      }
      const { state } = await authorize(adminA, { platform: 'douyin' });
      expect((await http().get(`/shops/oauth/callback/douyin?state=${state}`).expect(400)).body.message).toEqual(['code must be a non-empty string']);
      expect(await shopCount()).toBe(before);
    });

    it('refuses an expired state', async () => {
      const { authorizeUrl } = await authorize(adminA, { platform: 'douyin' });
      const callback = await approve(authorizeUrl, DOUYIN_DEMO_SHOP.platformShopId);
      await db.dataSource.query(`UPDATE core.oauth_states SET expires_at = now() - interval '1 second'`);
      expect((await http().get(callback).expect(400)).body.message).toEqual(['state is unknown, expired or already used']);
    });

    it("refuses a state on another platform's callback, and a code the platform refuses", async () => {
      const { authorizeUrl } = await authorize(adminA, { platform: 'douyin' });
      const callback = await approve(authorizeUrl, DOUYIN_DEMO_SHOP.platformShopId);
      await http().get(callback.replace('/callback/douyin', '/callback/taobao')).expect(400);
      const bogus = await authorize(adminA, { platform: 'douyin' });
      const res = await http().get(`/shops/oauth/callback/douyin?code=code-forged&state=${bogus.state}`).expect(400);
      expect(res.body.message).toEqual([expect.stringMatching(/^code was refused by douyin/)]);
    });

    it('needs an admin key to start, and an app that is the operator’s or the merchant’s own', async () => {
      await http().post('/shops/authorize').send({ platform: 'douyin' }).expect(401);
      const { key } = await h.keyFor('OAuth A', ['ops']);
      await http().post('/shops/authorize').set('Authorization', `Bearer ${key}`).send({ platform: 'douyin' }).expect(403);
      const none = await http().post('/shops/authorize').set('Authorization', `Bearer ${adminA}`).send({ platform: 'douyin', appKey: 'never-registered' }).expect(400);
      expect(JSON.stringify(none.body.message)).toMatch(/appSecret is required/);
      const bad = await http().post('/shops/authorize').set('Authorization', `Bearer ${adminA}`).send({ platform: 'jd' }).expect(400);
      expect(JSON.stringify(bad.body.message)).toMatch(/platform must be one of/);
    });
  });
});
