import type { CouponDraft, ShopContext } from '@app/platforms';
import { KuaishouAdapter } from '@app/platforms/kuaishou/kuaishou.adapter';
import { beijingDayStart } from '@app/platforms/kuaishou/kuaishou.coupons';
import { contractHarness, rejectionOf } from '../../platforms/test/contract/harness';
import type { SimShopConfig } from '../src/core/types';
import { KS_DEMO_SHOP, KuaishouSimulator } from '../src/kuaishou/kuaishou.simulator';
import { kuaishouCall } from '../src/testing/signed-clients';
import { SimulatorBackend } from './simulator-backend';

const DAY = 86_400_000;
/** a second shop of the same app */
const OTHER_SHOP: SimShopConfig = { ...KS_DEMO_SHOP, platformShopId: 'f0c1e2d3a4b5c6d7e8f9a0b1c2d3e4aa', accessToken: 'ks-other-shop-at-0001', refreshToken: 'ks-other-shop-rt-0001', shopName: '另一家小店' };

/** a valid create: shop-wide, claimable from today 00:00:00 to tomorrow 23:59:59 Beijing time */
function createParams(over: Record<string, unknown> = {}): Record<string, unknown> {
  const start = beijingDayStart(Date.now());
  return {
    name: '满100减10',
    couponTargetType: 1,
    threshold: 10_000,
    reduceAmount: 1000,
    totalStock: 200,
    receivePerLimit: 1,
    receiveStartTime: start,
    receiveEndTime: start + 2 * DAY - 1000,
    validityType: 2,
    fixedValidityTime: 7,
    outerUniqueKey: `k-${Math.random().toString(36).slice(2)}`,
    ...over,
  };
}

describe('kuaishou simulator: open.promotion.coupon.*', () => {
  let sim: KuaishouSimulator;
  beforeEach(async () => {
    sim = await new KuaishouSimulator({ qps: null, products: 0, shops: [KS_DEMO_SHOP, OTHER_SHOP] }).listen();
  });
  afterEach(() => sim.close());
  const as = (shop: SimShopConfig) => (method: string, params: unknown, verb: 'GET' | 'POST' = 'POST') => kuaishouCall(sim.url, shop, method, params, { verb });
  const call = as(KS_DEMO_SHOP);
  const list = async (params: Record<string, unknown> = {}, shop = KS_DEMO_SHOP) => {
    const res = await as(shop)('open.promotion.coupon.page.list', { couponTargetType: 1, sellerCouponStatus: 0, pageNo: 1, pageSize: 50, ...params }, 'GET');
    expect(res.body).toMatchObject({ result: 1 });
    return res.body.data as { total: number; couponList: { couponId: string; status: number; totalStock: number; outerUniqueKey: string; name: string }[] };
  };

  it('create answers a couponId; a repeated outerUniqueKey of the same shop answers the SAME couponId and makes no second coupon', async () => {
    const params = createParams({ outerUniqueKey: 'campaign-1:shop-a' });
    const first = await call('open.promotion.coupon.create', params);
    expect(first.body).toMatchObject({ result: 1, data: { couponId: expect.stringMatching(/^26\d{17}$/) } });
    const again = await call('open.promotion.coupon.create', { ...params, name: 'renamed on retry' });
    expect(again.body.data.couponId).toBe(first.body.data.couponId);
    const other = await call('open.promotion.coupon.create', createParams());
    expect(other.body.data.couponId).not.toBe(first.body.data.couponId);
    expect((await list()).couponList.map((c) => [c.couponId, c.name])).toEqual([
      [other.body.data.couponId, '满100减10'],
      [first.body.data.couponId, '满100减10'],
    ]);
    // the key is per shop: the other shop's create with it is its own coupon
    const theirs = await as(OTHER_SHOP)('open.promotion.coupon.create', params);
    expect(theirs.body.data.couponId).not.toBe(first.body.data.couponId);
    expect(sim.store.coupons.size).toBe(3);
  });

  it.each([
    ['name', { name: '' }, 'name is required'],
    ['couponTargetType', { couponTargetType: 2 }, 'couponTargetType must be 0 (item) or 1 (shop)'],
    ['itemIds', { couponTargetType: 0 }, 'itemIds is required when couponTargetType is 0'],
    ['itemIds of a shop target', { itemIds: ['1800000000000000011'] }, 'itemIds is only for couponTargetType 0'],
    ['reduceAmount', { reduceAmount: 0 }, 'reduceAmount must be >= 1'],
    ['threshold below reduceAmount', { threshold: 500 }, 'threshold must be 0 (no threshold) or greater than reduceAmount'],
    ['threshold in yuan', { threshold: 99.5 }, 'threshold must be an integer'],
    ['totalStock', { totalStock: 0 }, 'totalStock must be >= 1'],
    ['receivePerLimit', { receivePerLimit: 0 }, 'receivePerLimit must be >= 1'],
    ['receiveStartTime not at 00:00:00', { receiveStartTime: beijingDayStart(Date.now()) + 3_600_000 }, 'receiveStartTime must be 00:00:00 Beijing time'],
    ['receiveStartTime at UTC midnight', { receiveStartTime: beijingDayStart(Date.now()) + 8 * 3_600_000 }, 'receiveStartTime must be 00:00:00 Beijing time'],
    ['receiveEndTime not at 23:59:59', { receiveEndTime: beijingDayStart(Date.now()) + 2 * DAY - 3_600_000 }, 'receiveEndTime must be 23:59:59 Beijing time'],
    ['receiveEndTime in the past', { receiveStartTime: beijingDayStart(Date.now()) - 3 * DAY, receiveEndTime: beijingDayStart(Date.now()) - DAY - 1000 }, 'receiveEndTime is in the past'],
    ['validityType', { validityType: 3 }, 'validityType must be 1'],
    ['fixedValidityTime', { fixedValidityTime: undefined }, 'fixedValidityTime is required'],
    ['validEndTime', { validityType: 1, validStartTime: Date.now() + DAY, validEndTime: Date.now() }, 'validEndTime must be after validStartTime'],
    ['couponFrontType', { couponFrontType: 12 }, 'couponFrontType must be 10 (新粉券) or 11 (粉丝券)'],
    ['outerUniqueKey', { outerUniqueKey: 'k'.repeat(61) }, 'outerUniqueKey must be at most 60 characters'],
  ])('refuses a bad %s as a business error naming the parameter, and stores nothing', async (_what, over, message) => {
    const res = await call('open.promotion.coupon.create', createParams(over));
    expect(res.status).toBe(200);
    expect(res.body.result).toBe(400);
    expect(res.body.error_msg).toContain(message);
    expect(sim.store.coupons.size).toBe(0);
  });

  it('an item coupon takes only the shop’s own items', async () => {
    const [mine] = sim.seedProducts([{ productId: '1800000000000000011', skus: [{ skuId: '1900000000000000011', skuCode: 'K-1', stock: 5, priceFen: 100, originalPriceFen: 100 }] }]);
    sim.seedProducts([{ productId: '1800000000000000099', skus: [{ skuId: '1900000000000000099', skuCode: 'K-9', stock: 5, priceFen: 100, originalPriceFen: 100 }] }], OTHER_SHOP.platformShopId);
    const ok = await call('open.promotion.coupon.create', createParams({ couponTargetType: 0, itemIds: [mine.productId] }));
    expect(ok.body.result).toBe(1);
    const foreign = await call('open.promotion.coupon.create', createParams({ couponTargetType: 0, itemIds: ['1800000000000000099'] }));
    expect(foreign.body).toMatchObject({ result: 40002, error_msg: expect.stringContaining('itemIds: 1800000000000000099 is not an item of this shop') });
    expect((await list({ couponTargetType: 0 })).couponList.map((c) => c.couponId)).toEqual([ok.body.data.couponId]);
    expect((await list({ couponTargetType: 1 })).couponList).toEqual([]);
  });

  it('over ends the coupon (the list shows status 3); another shop cannot over it (not found) and it stays claimable until then', async () => {
    const { couponId } = (await call('open.promotion.coupon.create', createParams())).body.data;
    expect((await list()).couponList[0]).toMatchObject({ couponId, status: 2, totalStock: 200 });
    const foreign = await as(OTHER_SHOP)('open.promotion.coupon.over', { couponId });
    expect(foreign.body).toMatchObject({ result: 40001, error_msg: expect.stringContaining(`coupon ${couponId} does not exist`) });
    expect((await list()).couponList[0].status).toBe(2);
    expect((await list({}, OTHER_SHOP)).couponList).toEqual([]);
    expect((await call('open.promotion.coupon.over', { couponId })).body).toMatchObject({ result: 1 });
    expect((await list()).couponList[0]).toMatchObject({ couponId, status: 3 });
    expect((await list({ sellerCouponStatus: 2 })).couponList).toEqual([]);
    expect((await list({ sellerCouponStatus: 3 })).total).toBe(1);
    expect((await call('open.promotion.coupon.over', { couponId: '2600000000000000001' })).body.result).toBe(40001);
  });

  it('status follows the clock: not started before receiveStartTime; sellerCouponStatus filters; pages from 1', async () => {
    const tomorrow = beijingDayStart(Date.now()) + DAY;
    const later = (await call('open.promotion.coupon.create', createParams({ receiveStartTime: tomorrow, receiveEndTime: tomorrow + DAY - 1000 }))).body.data.couponId;
    const now = (await call('open.promotion.coupon.create', createParams())).body.data.couponId;
    expect((await list({ sellerCouponStatus: 1 })).couponList.map((c) => c.couponId)).toEqual([later]);
    expect((await list({ sellerCouponStatus: 2 })).couponList.map((c) => c.couponId)).toEqual([now]);
    expect(await list({ pageSize: 1, pageNo: 2 })).toMatchObject({ total: 2, couponList: [{ couponId: later }] });
    expect((await call('open.promotion.coupon.page.list', { couponTargetType: 1, pageNo: 0 }, 'GET')).body).toMatchObject({ result: 400, error_msg: expect.stringContaining('pageNo must be >= 1') });
    expect((await call('open.promotion.coupon.page.list', {}, 'GET')).body).toMatchObject({ result: 400, error_msg: expect.stringContaining('couponTargetType is required') });
  });

  it('stock.add raises totalStock; refused once the coupon has ended', async () => {
    const { couponId } = (await call('open.promotion.coupon.create', createParams())).body.data;
    expect((await call('open.promotion.coupon.stock.add', { couponId, incrementNum: 50 })).body.result).toBe(1);
    expect((await list()).couponList[0].totalStock).toBe(250);
    await call('open.promotion.coupon.over', { couponId });
    expect((await call('open.promotion.coupon.stock.add', { couponId, incrementNum: 1 })).body).toMatchObject({ result: 40002, error_msg: expect.stringContaining('has ended') });
  });
});

describe('KuaishouAdapter coupons against the kuaishou simulator (round trip)', () => {
  const harness = contractHarness((deps) => new KuaishouAdapter(deps));
  let sim: KuaishouSimulator;
  let backend: SimulatorBackend;
  beforeEach(async () => {
    sim = await new KuaishouSimulator({ qps: null, products: 0, shops: [KS_DEMO_SHOP, OTHER_SHOP] }).listen();
    backend = new SimulatorBackend(sim);
  });
  afterEach(() => sim.close());

  const today = new Date(beijingDayStart(Date.now()) + 10 * 3_600_000).toISOString(); // 10:00 Beijing today
  const draft = (over: Partial<CouponDraft> = {}): CouponDraft => ({
    idempotencyKey: `cmp-${Math.random().toString(36).slice(2)}:shop`,
    name: '满50减5',
    kind: 'threshold',
    thresholdFen: 5000,
    amountFen: 500,
    ratePermille: null,
    maxDiscountFen: null,
    totalQuantity: 300,
    perUserLimit: 2,
    claimStartsAt: today,
    claimEndsAt: new Date(Date.parse(today) + 2 * DAY).toISOString(),
    validity: { kind: 'after_claim', from: null, until: null, days: 3 },
    audience: 'everyone',
    platformProductIds: [],
    ...over,
  });

  it('create (the simulator accepts the whole-day window), repeat gives the same coupon, find by key, stop, find shows it ended', async () => {
    const { sut, shop } = harness.make(backend);
    const d = draft();
    const created = await sut.createCoupon(shop, d);
    expect(created).toEqual({ platformCouponId: expect.stringMatching(/^26\d{17}$/), status: 'claimable', totalQuantity: 300 });
    expect((await sut.createCoupon(shop, d)).platformCouponId).toBe(created.platformCouponId);
    expect(sim.store.coupons.size).toBe(1);
    expect(await sut.findCoupon(shop, d)).toEqual({ platformCouponId: created.platformCouponId, status: 'claimable', totalQuantity: 300 });
    expect(await sut.findCoupon(shop, draft())).toBeNull();
    await sut.stopCoupon(shop, created.platformCouponId);
    expect(await sut.findCoupon(shop, d)).toMatchObject({ platformCouponId: created.platformCouponId, status: 'ended' });
    const sent = await backend.received('open.promotion.coupon.create');
    expect(sent[0].params).toMatchObject({ threshold: 5000, reduceAmount: 500, validityType: 2, fixedValidityTime: 3, outerUniqueKey: d.idempotencyKey });
  });

  it('a products draft for followers with a fixed validity is an item coupon with couponFrontType 11; another shop cannot stop it', async () => {
    sim.seedProducts([{ productId: '1800000000000000011', skus: [{ skuId: '1900000000000000011', skuCode: 'K-1', stock: 5, priceFen: 9900, originalPriceFen: 9900 }] }]);
    const mine = harness.make(backend);
    const { sut, shop } = mine;
    const from = new Date(beijingDayStart(Date.now())).toISOString();
    const d = draft({ kind: 'direct', thresholdFen: null, audience: 'followers', platformProductIds: ['1800000000000000011'], validity: { kind: 'fixed', from, until: new Date(Date.parse(from) + 10 * DAY).toISOString(), days: null } });
    const created = await sut.createCoupon(shop, d);
    expect(await sut.findCoupon(shop, d)).toMatchObject({ platformCouponId: created.platformCouponId, status: 'claimable' });
    const stored = sim.store.coupons.get(created.platformCouponId)!;
    expect(stored.params).toMatchObject({ couponTargetType: 0, itemIds: ['1800000000000000011'], couponFrontType: 11, threshold: 0, validityType: 1 });
    const other: ShopContext = { ...shop, shopId: 'other-shop', platformShopId: OTHER_SHOP.platformShopId, credentials: { ...shop.credentials, accessToken: OTHER_SHOP.accessToken, refreshToken: OTHER_SHOP.refreshToken } };
    const theirs = harness.make(backend, other);
    expect(await rejectionOf(theirs.sut.stopCoupon(other, created.platformCouponId))).toMatchObject({ kind: 'not_found' });
    expect(await sut.findCoupon(shop, d)).toMatchObject({ status: 'claimable' });
    mine.breakers.shutdown(); // the harness shuts down the last one made
  });
});
