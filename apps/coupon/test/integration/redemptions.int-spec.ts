import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { QUEUE, toCouponOrderEvent, type CouponOrderEvent, type JobPayloads } from '@app/contracts';
import { PlatformAdapterRegistry, platformRegistry, ShopDirectory, type PlatformAdapter, type PlatformAdapterDeps, type ShopContext } from '@app/platforms';
import { QueueModule } from '@app/queue';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { simulatorManifest, startSimulator, type AnySimulator } from '@app/sandbox';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { FakeShopDirectory } from '@app/testing/fakes';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { PortsModule, waitFor } from '../support';
import { CampaignsFeatureModule } from '../../src/campaigns/campaigns-feature.module';
import { CampaignsService } from '../../src/campaigns/campaigns.service';
import type { CreateCampaignDto } from '../../src/campaigns/dto/campaign.dto';
import { CouponExceptionsService } from '../../src/exceptions/coupon-exceptions';
import { RedemptionReconciler } from '../../src/redemptions/redemption-reconciler';
import { RedemptionRetention } from '../../src/redemptions/redemption-retention';
import { RedemptionsService } from '../../src/redemptions/redemptions.service';

const REDIS_URL = 'redis://127.0.0.1:6379';
const day = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

const campaign = (over: Partial<CreateCampaignDto> = {}): CreateCampaignDto =>
  ({
    name: '直播间专享满减券',
    description: '直播间下单可用',
    kind: 'threshold',
    thresholdFen: 2_000,
    amountFen: 1_000,
    totalQuantity: 1_000,
    perUserLimit: 1,
    claimStartsAt: at(-60_000),
    claimEndsAt: at(2 * day),
    validity: { kind: 'fixed', from: at(-60_000), until: at(9 * day) },
    scope: 'shop',
    audience: 'everyone',
    budgetFen: 1_000_000,
    ...over,
  }) as CreateCampaignDto;

/**
 * Redemptions counted from orders and the budget guard (issue 11 items 4-5), on the real Postgres and Redis against
 * the Kuaishou simulator: its order generator redeems the coupon our campaign created there, our adapter reads each
 * order (open.order.detail + open.seller.order.fee.detail), the {coupon-events} job counts it; the count is the
 * simulator's own truth, a refund gives one back, the budget guard marks 80 / 100 / 120 % and stops the campaign on
 * the platform, and another merchant's campaign is never credited.
 */
describe('redemptions and the budget guard (real Postgres, Redis, Kuaishou simulator)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let redis: Redis;
  let sim: AnySimulator;
  let simB: AnySimulator;
  let adapter: PlatformAdapter;
  const merchantA = randomUUID();
  const merchantB = randomUUID();
  const shopA = randomUUID();
  const shopB = randomUUID();
  const shopBPlatformId = `ks-b-${shopB.slice(0, 8)}`;
  const prefix = testPrefix('cpn-redeem');
  const directory = new FakeShopDirectory();

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    const demo = simulatorManifest('kuaishou').demoShop;
    sim = await startSimulator('kuaishou', { products: 2, qps: null });
    simB = await startSimulator('kuaishou', { products: 2, qps: null, shops: [{ ...demo, platformShopId: shopBPlatformId }] } as never);
    for (const [id, name] of [[merchantA, 'A'], [merchantB, 'B']]) await db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, $2)`, [id, `redeem ${name} ${id.slice(0, 6)}`]);
    for (const [shopId, merchantId, platformShopId, s] of [[shopA, merchantA, demo.platformShopId, sim], [shopB, merchantB, shopBPlatformId, simB]] as const) {
      await db.dataSource.query(
        `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials) VALUES ($1, $2, 'kuaishou', $3, $4, $5, $6)`,
        [shopId, merchantId, platformShopId, `kuaishou ${merchantId.slice(0, 4)}`, demo.appKey, Buffer.from('x')],
      );
      directory.shops.push({
        shopId,
        platform: 'kuaishou',
        platformShopId,
        baseUrl: s.url,
        credentials: { appKey: demo.appKey, appSecret: demo.appSecret, accessToken: demo.accessToken, refreshToken: demo.refreshToken, accessTokenExpiresAt: new Date(Date.now() + day) },
      });
    }
    redis = new Redis(REDIS_URL);
    const deps: PlatformAdapterDeps = {
      directory,
      breakers: new BreakerRegistry({ requestTimeoutMs: 5000 }),
      limiter: new RedisRateLimiter(redis, { keyPrefix: `${prefix}-qps`, defaultQps: 1000 }),
      options: { timeoutMs: 5000, outbound: testOutboundPolicy() },
    };
    adapter = platformRegistry.get('kuaishou').createAdapter(deps);
    const moduleRef = await Test.createTestingModule({
      imports: [
        PortsModule.register([
          { provide: DataSource, useValue: db.dataSource },
          { provide: ShopDirectory, useValue: directory },
          { provide: PlatformAdapterRegistry, useValue: new PlatformAdapterRegistry([adapter]) },
        ]),
        QueueModule.forRoot({ redis: REDIS_URL, prefix, shutdownGraceMs: 2000 }),
        // no lead: the guard stops at 100 % exactly, so the marks below are exact
        CampaignsFeatureModule.register({ sync: true, options: { unconfirmedApis: true, backgroundLoops: false, sweepStaleMs: 0, budgetStopLeadMs: 0, reconcileStaleMs: 0 } }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
  });

  afterAll(async () => {
    const names = [QUEUE.COUPON_SYNC, QUEUE.COUPON_EVENTS];
    const queues = names.map((n) => app?.get<Queue>(getQueueToken(n)));
    await app?.close();
    for (const q of queues) {
      if (!q) continue;
      const fresh = new (q.constructor as new (n: string, o: unknown) => Queue)(q.name, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
      await fresh.obliterate({ force: true });
      await fresh.close();
    }
    await sim?.close();
    await simB?.close();
    await redis?.quit();
    await db?.drop();
  });

  const svc = () => app.get(CampaignsService);
  const ctx = async (shopId: string): Promise<ShopContext> => directory.get(shopId) as Promise<ShopContext>;
  /** a started campaign whose coupon the simulator holds */
  async function live(merchantId: string, over: Partial<CreateCampaignDto> = {}): Promise<{ id: string; couponId: string }> {
    const c = await svc().create(merchantId, campaign(over));
    await svc().start(merchantId, c.id);
    const ks = await waitFor(async () => {
      const s = (await svc().get(merchantId, c.id)).platforms[0];
      return s.state === 'created' ? s : null;
    }, 15_000, 'coupon created');
    return { id: c.id, couponId: ks.platformCouponId! };
  }
  /** n generated orders of the shop, each redeeming one of its live coupons; read through our adapter */
  async function orders(s: AnySimulator, shopId: string, n: number): Promise<{ ids: string[]; events: CouponOrderEvent[] }> {
    s.generator.couponRate = 1;
    const platformShopId = (await ctx(shopId)).platformShopId;
    const made = Array.from({ length: n }, () => s.generator.makeOne([platformShopId])!).filter((o) => o.coupon);
    s.generator.couponRate = 0;
    return { ids: made.map((o) => o.orderId), events: await read(shopId, made.map((o) => o.orderId)) };
  }
  /** stops a campaign and waits for its coupon to be over on the simulator (so the next test's orders redeem only its own) */
  async function end(merchantId: string, id: string): Promise<void> {
    await svc().stop(merchantId, id);
    await waitFor(async () => (await svc().get(merchantId, id)).platforms[0].state === 'stopped', 15_000, 'campaign stopped');
  }
  const read = async (shopId: string, ids: string[]) => Promise.all(ids.map(async (id) => toCouponOrderEvent(await adapter.getOrder(await ctx(shopId), id))));
  /** through the worker: one {coupon-events} job, as the relay adds it */
  async function viaQueue(events: CouponOrderEvent[]): Promise<void> {
    const q = app.get<Queue>(getQueueToken(QUEUE.COUPON_EVENTS));
    const job = await q.add('apply-order-coupons', { v: 1, orders: events } satisfies JobPayloads['apply-order-coupons'], { jobId: `t-${randomUUID()}` });
    await waitFor(async () => (await q.getJobState(job.id!)) === 'completed', 15_000, 'coupon-events job completed');
  }

  it('orders redeeming the coupon on Kuaishou are counted exactly (ours = the simulator truth); a refund gives one back; a replayed job changes nothing', async () => {
    const c = await live(merchantA, { name: 'count me', amountFen: 700, thresholdFen: 1_000 });
    const { ids, events } = await orders(sim, shopA, 12);
    expect(ids.length).toBe(12);
    // the adapter found the coupon line in the fee detail: a 1001 line of the coupon's amount, no coupon id (Kuaishou names none)
    expect(events[0].discounts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'coupon', bearer: 'shop', amountFen: 700, platformType: '1001', platformCouponId: null })]));
    expect(sim.requests('open.seller.order.fee.detail').length).toBeGreaterThanOrEqual(12);
    await viaQueue(events);
    const truth = () => sim.store.couponTruth(c.couponId);
    let f = (await svc().get(merchantA, c.id)).figures;
    expect(f.redemptions).toBe(truth().net);
    expect(f.spentFen).toBe(truth().amountFen);
    expect(f.byPlatform).toEqual([expect.objectContaining({ platform: 'kuaishou', redemptions: 12, spentFen: 12 * 700 })]);
    expect(f.remainingStock).toBe(1_000 - 12);

    // a refund: the simulator's truth loses one, so do we
    sim.transitionOrder(ids[0], 'refunded');
    await viaQueue(await read(shopA, [ids[0]]));
    f = (await svc().get(merchantA, c.id)).figures;
    expect(truth().net).toBe(11);
    expect([f.redemptions, f.returned, f.spentFen]).toEqual([11, 1, truth().amountFen]);

    // the same events again (a re-added job), and the paid version after the refund (an older event): nothing moves
    await viaQueue(events);
    f = (await svc().get(merchantA, c.id)).figures;
    expect([f.redemptions, f.returned, f.spentFen]).toEqual([11, 1, 11 * 700]);

    // the reconcile with Kuaishou's usage statistics (open.promotion.coupon.statistic): the same 11
    const rec = app.get(RedemptionReconciler);
    await rec.reconcile();
    const usage = async () => (await svc().get(merchantA, c.id)).platforms[0].usage;
    expect(await usage()).toMatchObject({ platformUsed: 11, counted: 11 });
    // an order redeeming it that never reached us: the platform counts 12, we 11 — recorded, not "fixed"
    sim.generator.couponRate = 1;
    sim.generator.makeOne([(await ctx(shopA)).platformShopId]);
    sim.generator.couponRate = 0;
    const pass = await rec.reconcile();
    expect(pass.differing).toBeGreaterThanOrEqual(1);
    expect(await usage()).toMatchObject({ platformUsed: 12, counted: 11 });
    expect((await svc().get(merchantA, c.id)).figures.redemptions).toBe(11);
    // the difference is in this merchant's exception inbox (and only there) until resolved; nothing to retry
    const ex = app.get(CouponExceptionsService);
    const mismatch = (await ex.list(merchantA)).filter((e) => e.type === 'coupon_usage_mismatch' && e.context.campaignId === c.id);
    expect(mismatch.map((e) => [e.severity, e.context.platformUsed, e.context.counted, e.actions])).toEqual([['warning', 12, 11, ['resolve']]]);
    expect((await ex.list(merchantB)).some((e) => e.type === 'coupon_usage_mismatch')).toBe(false);
    await expect(ex.resolve(merchantB, mismatch[0].key, null)).rejects.toThrow(/not found/);
    await expect(ex.retry(merchantA, mismatch[0].key)).rejects.toThrow(/nothing to retry/);
    await ex.resolve(merchantA, mismatch[0].key, 'the order is on its way');
    expect((await ex.list(merchantA)).some((e) => e.key === mismatch[0].key)).toBe(false);
    expect(sim.requests('open.promotion.coupon.statistic').length).toBeGreaterThanOrEqual(2);
    await end(merchantA, c.id);
  });

  it('Kuaishou: an order whose fee detail fails on the list is handed back as a partial id (never dropped); its detail gives the coupon line', async () => {
    const c = await live(merchantA, { name: 'fee detail', amountFen: 800, thresholdFen: 1_000 });
    const shop = await ctx(shopA);
    sim.generator.couponRate = 1;
    const made = [sim.generator.makeOne([shop.platformShopId])!, sim.generator.makeOne([shop.platformShopId])!].filter((o) => o.coupon);
    sim.generator.couponRate = 0;
    expect(made).toHaveLength(2);
    // the first fee-detail call of the list fails (Kuaishou busy): that order alone becomes a partial id
    sim.failNext('busy', 1, { method: 'open.seller.order.fee.detail' });
    const to = new Date(Date.now() + 1000);
    const page = await adapter.listOrders(shop, { from: new Date(to.getTime() - 3_600_000), to, page: null, newestFirst: true });
    expect(page.partialIds).toHaveLength(1);
    const [partial] = page.partialIds!;
    expect(page.orders.some((o) => o.platformOrderId === partial)).toBe(false);
    expect(page.partialUpdatedAt?.[partial]).toEqual(expect.any(String));
    // every other discounted order of the page came with its lines
    for (const o of page.orders.filter((x) => x.discountFen > 0)) expect(o.discounts?.length ?? 0).toBeGreaterThan(0);
    // the caller's detail call (getOrder) gives the partial order's discount lines
    const full = await adapter.getOrder(shop, partial);
    expect(full.discounts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'coupon', bearer: 'shop', platformType: '1001' })]));
    await end(merchantA, c.id);
  });

  it('the budget guard marks 80 / 100 / 120 %, stops the campaign on the platform at 100 % (exhausted), and alerts this merchant only', async () => {
    const c = await live(merchantA, { name: 'budget', amountFen: 900, thresholdFen: 1_000, budgetFen: 9_000 });
    const red = app.get(RedemptionsService);
    // 8 of 10: 80 %, nothing stopped
    const first = await orders(sim, shopA, 8);
    const r1 = await red.apply(first.events);
    expect(r1.marks).toEqual([{ campaignId: c.id, pct: 80 }]);
    expect((await svc().get(merchantA, c.id)).status).toBe('active');
    // two more: 100 %: exhausted, its Kuaishou coupon stopped (coupon.over) by the stop job
    const second = await orders(sim, shopA, 2);
    const r2 = await red.apply(second.events);
    expect(r2.marks).toEqual([{ campaignId: c.id, pct: 100 }]);
    expect(r2.exhausted).toEqual([{ merchantId: merchantA, campaignId: c.id, shopIds: [shopA] }]);
    const stopped = await waitFor(async () => {
      const v = await svc().get(merchantA, c.id);
      return v.platforms[0].state === 'stopped' ? v : null;
    }, 15_000, 'kuaishou stopped');
    expect(stopped.status).toBe('exhausted');
    expect(sim.store.coupons.get(c.couponId)?.stoppedAt).not.toBeNull();
    expect(stopped.figures.budget).toMatchObject({ budgetFen: 9_000, spentPct: 100, exhaustedSpentFen: 9_000, overshootFen: 0 });
    // the stopped coupon is no longer redeemable in the simulator: orders made now carry no coupon
    sim.generator.couponRate = 1;
    expect(sim.generator.makeOne([(await ctx(shopA)).platformShopId])?.coupon ?? null).toBeNull();
    sim.generator.couponRate = 0;

    // late redemptions (orders paid before the stop reached the platform, heard of after): 120 %, critical; the overshoot is reported
    const overshoot = first.events.slice(0, 2).map((e, i) => ({ ...e, platformOrderId: `${e.platformOrderId}9${i}` }));
    const r3 = await red.apply(overshoot);
    expect(r3.marks).toEqual([{ campaignId: c.id, pct: 120 }]);
    expect(r3.exhausted).toEqual([]);
    const v = await svc().get(merchantA, c.id);
    expect(v.figures.budget.overshootFen).toBe(1_800);
    expect(v.figures.budget.marks.map((m) => m.pct)).toEqual([80, 100, 120]);

    const ex = app.get(CouponExceptionsService);
    const mine = (await ex.list(merchantA)).filter((e) => e.type === 'coupon_budget' && e.context.campaignId === c.id);
    expect(mine).toEqual([expect.objectContaining({ key: `coupon_budget:${c.id}:120`, severity: 'critical' })]);
    expect((await ex.list(merchantB)).filter((e) => e.type === 'coupon_budget')).toEqual([]);
    await expect(ex.resolve(merchantB, mine[0].key, null)).rejects.toMatchObject({ status: 404 });
    await expect(ex.retry(merchantA, mine[0].key)).rejects.toMatchObject({ status: 400 });
    await ex.resolve(merchantA, mine[0].key, 'seen');
    expect((await ex.list(merchantA)).filter((e) => e.type === 'coupon_budget' && e.context.campaignId === c.id)).toEqual([]);
  });

  it("another merchant's campaign of the same amount is never credited with this merchant's orders, nor the other way round", async () => {
    const a = await live(merchantA, { name: 'iso A', amountFen: 1_300, thresholdFen: 2_000 });
    const b = await live(merchantB, { name: 'iso B', amountFen: 1_300, thresholdFen: 2_000 });
    const onA = await orders(sim, shopA, 3);
    const onB = await orders(simB, shopB, 2);
    await viaQueue([...onA.events, ...onB.events]);
    expect((await svc().get(merchantA, a.id)).figures.redemptions).toBe(3);
    expect((await svc().get(merchantB, b.id)).figures.redemptions).toBe(2);
    expect(simB.store.couponTruth(b.couponId).net).toBe(2);
    await expect(svc().get(merchantB, a.id)).rejects.toMatchObject({ status: 404 });
    await end(merchantA, a.id);
    await end(merchantB, b.id);
  });

  it('two live campaigns of the same amount on one shop: the order names no coupon, so it is counted for neither (attribution none, ambiguous)', async () => {
    const one = await live(merchantA, { name: 'twin 1', amountFen: 1_700, thresholdFen: 2_500 });
    const two = await live(merchantA, { name: 'twin 2', amountFen: 1_700, thresholdFen: 2_500 });
    const { events } = await orders(sim, shopA, 2);
    const ours = events.filter((e) => e.discounts.some((d) => d.amountFen === 1_700));
    await app.get(RedemptionsService).apply(ours);
    expect((await svc().get(merchantA, one.id)).figures.redemptions).toBe(0);
    expect((await svc().get(merchantA, two.id)).figures.redemptions).toBe(0);
    const rows: Array<{ attribution: string; reason: string }> = await db.dataSource.query(
      `SELECT attribution, reason FROM coupon.redemptions WHERE platform_order_id = ANY($1::text[]) AND discount_fen = 1700`,
      [ours.map((e) => e.platformOrderId)],
    );
    expect(rows.length).toBe(ours.length);
    expect(rows.every((r) => r.attribution === 'none' && /^ambiguous: 2 campaigns/.test(r.reason))).toBe(true);
  });
  it('retention: old order states and unattributed lines go; our campaigns\' redemptions and recent rows stay', async () => {
    const c = await live(merchantA, { name: 'retention', amountFen: 600 });
    const ds = db.dataSource;
    const old = `now() - interval '120 days'`;
    const ids = { oldState: `ret-old-${randomUUID().slice(0, 8)}`, newState: `ret-new-${randomUUID().slice(0, 8)}` };
    await ds.query(
      `INSERT INTO coupon.order_states (merchant_id, shop_id, platform_order_id, order_updated_at, updated_at)
       VALUES ($1, $2, $3, ${old}, ${old}), ($1, $2, $4, now(), now())`,
      [merchantA, shopA, ids.oldState, ids.newState],
    );
    const line = (orderId: string, campaignId: string | null, when: string) =>
      ds.query(
        `INSERT INTO coupon.redemptions (merchant_id, shop_id, platform, platform_order_id, line_no, campaign_id, attribution, bearer, discount_fen, gmv_fen, status, paid_at, order_updated_at)
         VALUES ($1, $2, 'kuaishou', $3, 0, $4, $5, 'platform', 500, 9000, 'redeemed', ${when}, ${when})`,
        [merchantA, shopA, orderId, campaignId, campaignId ? 'coupon_id' : 'none'],
      );
    await line(`${ids.oldState}-ours`, c.id, old);
    await line(`${ids.oldState}-theirs`, null, old);
    await line(`${ids.newState}-theirs`, null, 'now()');
    const before = (await svc().get(merchantA, c.id)).figures.redemptions;

    const pass = await app.get(RedemptionRetention).sweep();
    expect(pass).toEqual({ orderStates: 1, unattributed: 1 });
    const states = await ds.query(`SELECT platform_order_id FROM coupon.order_states WHERE platform_order_id = ANY($1::text[])`, [[ids.oldState, ids.newState]]);
    expect(states.map((r: { platform_order_id: string }) => r.platform_order_id)).toEqual([ids.newState]);
    const lines = await ds.query(`SELECT platform_order_id FROM coupon.redemptions WHERE platform_order_id LIKE $1 ORDER BY 1`, [`ret-%`]);
    expect(lines.map((r: { platform_order_id: string }) => r.platform_order_id)).toEqual([`${ids.newState}-theirs`, `${ids.oldState}-ours`].sort());
    // the campaign's figures did not move; a second pass finds nothing
    expect((await svc().get(merchantA, c.id)).figures.redemptions).toBe(before);
    expect(await app.get(RedemptionRetention).sweep()).toEqual({ orderStates: 0, unattributed: 0 });
    await end(merchantA, c.id);
  });
});
