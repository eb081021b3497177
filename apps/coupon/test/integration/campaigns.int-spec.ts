import { randomUUID } from 'node:crypto';
import { Global, Module, type DynamicModule, type INestApplication, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JsonExceptionFilter, StrictValidationPipe } from '@app/observability';
import { startSimulator, type AnySimulator } from '@app/sandbox';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { CampaignsFeatureModule } from '../../src/campaigns/campaigns-feature.module';
import { FIGURES_NOTE, NOT_SENT_YET } from '../../src/campaigns/campaigns.service';

@Global()
@Module({})
class TestPortsModule {
  static register(providers: Provider[]): DynamicModule {
    return { module: TestPortsModule, global: true, providers, exports: providers.map((p) => (p as unknown as { provide: never }).provide) };
  }
}

const day = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const body = (over: Record<string, unknown> = {}) => ({
  name: '直播间专享满减券',
  description: '直播间下单可用',
  kind: 'threshold',
  thresholdFen: 10_000,
  amountFen: 1_000,
  totalQuantity: 1_000,
  perUserLimit: 1,
  claimStartsAt: at(day),
  claimEndsAt: at(2 * day),
  validity: { kind: 'fixed', from: at(day), until: at(9 * day) },
  scope: 'shop',
  audience: 'everyone',
  budgetFen: 500_000,
  ...over,
});

describe('coupon campaigns API (real Postgres)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let taobaoSim: AnySimulator;
  const merchantA = randomUUID();
  const merchantB = randomUUID();
  const shopsA: Record<string, string> = {};
  let shopB: string;
  const as = (merchantId: string, roles = 'merchandiser') => ({ 'x-omnisync-merchant-id': merchantId, 'x-omnisync-roles': roles });
  const http = () => request(app.getHttpServer());
  const count = async (merchantId: string) => Number((await db.dataSource.query(`SELECT count(*) AS n FROM coupon.campaigns WHERE merchant_id = $1`, [merchantId]))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    // the Taobao simulator speaks coupon APIs: its request log proves a refused campaign made no platform call
    taobaoSim = await startSimulator('taobao', { products: 0, qps: null });
    for (const [id, name] of [[merchantA, 'coupon A'], [merchantB, 'coupon B']]) await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, $2)`, [id, `${name} ${id.slice(0, 6)}`]);
    const addShop = async (merchantId: string, platform: string) => {
      const id = randomUUID();
      await db.dataSource.query(
        `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials) VALUES ($1, $2, $3, $4, $5, 'ak', $6)`,
        [id, merchantId, platform, `ps-${id.slice(0, 8)}`, `${platform} shop`, Buffer.from('x')],
      );
      return id;
    };
    for (const p of ['douyin', 'taobao', 'xiaohongshu']) shopsA[p] = await addShop(merchantA, p);
    shopB = await addShop(merchantB, 'taobao');
    const moduleRef = await Test.createTestingModule({
      imports: [TestPortsModule.register([{ provide: DataSource, useValue: db.dataSource }]), CampaignsFeatureModule.register()],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    app.useGlobalPipes(new StrictValidationPipe());
    app.useGlobalFilters(new JsonExceptionFilter());
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await taobaoSim?.close();
    await db?.drop();
  });

  it('creates a campaign with each shop’s state from its platform’s capability, lists and reads it', async () => {
    const created = await http().post('/coupon-campaigns').set(as(merchantA)).send(body({ externalKey: 'live-1111' }));
    expect(created.status).toBe(201);
    const c = created.body;
    expect(c).toMatchObject({ status: 'draft', kind: 'threshold', thresholdFen: 10_000, amountFen: 1_000, budgetFen: 500_000, externalKey: 'live-1111' });
    expect(c.merchantId).toBeUndefined();
    const byPlatform = Object.fromEntries(c.platforms.map((p: { platform: string }) => [p.platform, p]));
    expect(byPlatform.taobao).toMatchObject({ shopId: shopsA.taobao, state: 'pending', api: 'taobao.promotion.coupon.add', platformCouponId: null });
    expect(byPlatform.taobao.warnings).toContain('taobao.promotion.coupon.add cannot carry totalQuantity');
    expect(byPlatform.xiaohongshu).toMatchObject({ state: 'manual', reason: expect.stringMatching(/no coupon or marketing API/) });
    expect(byPlatform.douyin).toMatchObject({ state: 'manual', reason: expect.stringMatching(/^unconfirmed API \(marketing.createCoupon/) });
    expect(c.figures).toEqual({
      redemptions: 0,
      returned: 0,
      spentFen: 0,
      gmvFen: 0,
      byPlatform: [],
      remainingStock: c.totalQuantity,
      budget: { budgetFen: 500_000, spentPct: 0, marks: [], exhaustedAt: null, exhaustedSpentFen: null, overshootFen: 0 },
      note: FIGURES_NOTE,
    });

    // the same external key again: 409, one campaign
    const again = await http().post('/coupon-campaigns').set(as(merchantA)).send(body({ externalKey: 'live-1111' }));
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('externalKey live-1111 is already used by another campaign of this merchant');

    const list = await http().get('/coupon-campaigns').set(as(merchantA, 'ops'));
    expect(list.status).toBe(200);
    expect(list.body.campaigns.map((x: { id: string }) => x.id)).toContain(c.id);
    const one = await http().get(`/coupon-campaigns/${c.id}`).set(as(merchantA, 'ops'));
    expect(one.body).toEqual(c);
  });

  it('answers 400 naming every bad field and stores nothing', async () => {
    const before = await count(merchantA);
    const res = await http()
      .post('/coupon-campaigns')
      .set(as(merchantA))
      .send(body({ amountFen: 20_000, perUserLimit: 9, totalQuantity: 3, claimStartsAt: at(-3 * day), claimEndsAt: at(-2 * day) }));
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        'amountFen must be below thresholdFen (the discount cannot reach the spend it needs)',
        'perUserLimit must not be above totalQuantity',
        'claimEndsAt is in the past: the claim window is over before it starts',
      ]),
    );
    // another merchant's shop, and a product that is not the merchant's
    const foreign = await http().post('/coupon-campaigns').set(as(merchantA)).send(body({ shopIds: [shopsA.taobao, shopB], scope: 'products', productIds: [randomUUID()] }));
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toEqual(['shopIds[1] is not an active shop of this merchant', 'productIds[0] is not a product of this merchant']);
    expect(await count(merchantA)).toBe(before);
  });

  it('answers 422 naming the banned words, stores nothing and calls no platform', async () => {
    const before = await count(merchantA);
    const calls = taobaoSim.requests().length;
    const res = await http().post('/coupon-campaigns').set(as(merchantA)).send(body({ name: '全网最低价满减券', description: '国家级品质' }));
    expect(res.status).toBe(422);
    expect(res.body.message).toEqual([
      expect.stringMatching(/^name: banned word "全网最低" \(misleading_price\) at 0-4; nothing was stored or sent$/),
      expect.stringMatching(/^name: banned word "最低价" /),
      expect.stringMatching(/^description: banned word "国家级" /),
    ]);
    expect(await count(merchantA)).toBe(before);
    expect(taobaoSim.requests().length).toBe(calls);
  });

  it('starts, patches and stops with the lifecycle; illegal transitions are 409s naming the state', async () => {
    const c = (await http().post('/coupon-campaigns').set(as(merchantA)).send(body())).body;
    expect((await http().post(`/coupon-campaigns/${c.id}/stop`).set(as(merchantA))).body.message).toBe('cannot stop a campaign that is draft: it never started (nothing to stop)');

    const started = await http().post(`/coupon-campaigns/${c.id}/start`).set(as(merchantA));
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('scheduled'); // its claim window opens tomorrow
    const taobao = started.body.platforms.find((p: { platform: string }) => p.platform === 'taobao');
    expect(taobao).toMatchObject({ state: 'pending', reason: NOT_SENT_YET }); // never a pretend "created"
    const twice = await http().post(`/coupon-campaigns/${c.id}/start`).set(as(merchantA));
    expect(twice.status).toBe(409);
    expect(twice.body.message).toBe('cannot start a campaign that is scheduled: it is started already');

    const patched = await http().patch(`/coupon-campaigns/${c.id}`).set(as(merchantA)).send({ totalQuantity: 2_000, budgetFen: 800_000 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ totalQuantity: 2_000, budgetFen: 800_000, version: c.version + 2 });
    expect((await http().patch(`/coupon-campaigns/${c.id}`).set(as(merchantA)).send({})).body.message).toEqual(['totalQuantity or budgetFen: give at least one to change']);
    expect((await http().patch(`/coupon-campaigns/${c.id}`).set(as(merchantA)).send({ totalQuantity: 'many' })).status).toBe(400);

    const stopped = await http().post(`/coupon-campaigns/${c.id}/stop`).set(as(merchantA));
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    expect(stopped.body.stoppedAt).not.toBeNull();
    expect(stopped.body.platforms.find((p: { platform: string }) => p.platform === 'taobao')).toMatchObject({ state: 'stopped' });
    const afterStop = await http().patch(`/coupon-campaigns/${c.id}`).set(as(merchantA)).send({ budgetFen: 1 });
    expect(afterStop.status).toBe(409);
    expect(afterStop.body.message).toBe('cannot change a campaign that is stopped: it is over');
    expect((await http().post(`/coupon-campaigns/${c.id}/start`).set(as(merchantA))).status).toBe(409);
  });

  it('keeps merchants apart: B’s campaign is a 404 for A on every route, and A’s list never shows it', async () => {
    const b = (await http().post('/coupon-campaigns').set(as(merchantB)).send(body())).body;
    expect(b.platforms.map((p: { shopId: string }) => p.shopId)).toEqual([shopB]);
    for (const [method, path, send] of [
      ['get', `/coupon-campaigns/${b.id}`, undefined],
      ['patch', `/coupon-campaigns/${b.id}`, { budgetFen: 1 }],
      ['post', `/coupon-campaigns/${b.id}/start`, undefined],
      ['post', `/coupon-campaigns/${b.id}/stop`, undefined],
    ] as const) {
      const res = await http()[method](path).set(as(merchantA)).send(send);
      expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
    }
    const list = await http().get('/coupon-campaigns').set(as(merchantA));
    expect(list.body.campaigns.map((x: { id: string }) => x.id)).not.toContain(b.id);
    // unchanged for B
    const mine = await http().get(`/coupon-campaigns/${b.id}`).set(as(merchantB, 'ops'));
    expect(mine.body).toMatchObject({ status: 'draft', budgetFen: b.budgetFen, version: b.version });
    // the same external key is B's own business
    expect((await http().post('/coupon-campaigns').set(as(merchantB)).send(body({ externalKey: 'live-1111' }))).status).toBe(201);
  });

  it('lets ops read but not manage, and refuses a call without a merchant', async () => {
    expect((await http().post('/coupon-campaigns').set(as(merchantA, 'ops')).send(body())).status).toBe(403);
    expect((await http().get('/coupon-campaigns').set(as(merchantA, 'erp'))).status).toBe(403);
    expect((await http().get('/coupon-campaigns')).status).toBe(401);
    expect((await http().get('/coupon-campaigns/not-a-uuid').set(as(merchantA))).body.message).toEqual(['id must be a UUID']);
  });
});
