import type { CouponDraft, ShopContext } from '@app/platforms';
import { DouyinAdapter } from '@app/platforms/douyin/douyin.adapter';
import { beijingDateTime } from '@app/platforms/douyin/douyin.coupons';
import { contractHarness, rejectionOf } from '../../platforms/test/contract/harness';
import type { SimShopConfig } from '../src/core/types';
import { DOUYIN_DEMO_SHOP, DouyinSimulator } from '../src/douyin/douyin.simulator';
import { douyinCall } from '../src/testing/signed-clients';
import { SimulatorBackend } from './simulator-backend';

const DAY = 86_400_000;
/** a second shop of the same app */
const OTHER_SHOP: SimShopConfig = { ...DOUYIN_DEMO_SHOP, platformShopId: '100002', accessToken: 'douyin-other-at-0001', refreshToken: 'douyin-other-rt-0001', shopName: '另一家抖店' };

/** a valid shop 满减 create, claimable from an hour ago for two days */
function createParams(over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    coupon_name: '满100减10',
    type: 23,
    threshold: 10_000,
    credit: 1000,
    start_apply_time: beijingDateTime(now - 3_600_000),
    end_apply_time: beijingDateTime(now + 2 * DAY),
    period_type: 2,
    valid_period: 7,
    total_amount: 200,
    max_apply_times: 1,
    type_detail: DOUYIN_DEMO_SHOP.platformShopId,
    pay_type: 2,
    is_show: 0,
    ...over,
  };
}

type ListItem = { coupon_meta_id: string; coupon_name: string; status: number; total_amount: number; type: number; used_amount: number };

describe('douyin simulator: marketing.* coupons', () => {
  let sim: DouyinSimulator;
  beforeEach(async () => {
    sim = await new DouyinSimulator({ qps: null, products: 0, shops: [DOUYIN_DEMO_SHOP, OTHER_SHOP] }).listen();
  });
  afterEach(() => sim.close());
  const as = (shop: SimShopConfig) => (method: string, params: unknown) => douyinCall(sim.url, shop, method, params);
  const call = as(DOUYIN_DEMO_SHOP);
  const list = async (params: Record<string, unknown> = {}, shop = DOUYIN_DEMO_SHOP) => {
    const res = await as(shop)('marketing.GetShopCouponMetaList', { is_show: -1, offset: 0, limit: 50, ...params });
    expect(res.body).toMatchObject({ code: 10000 });
    return res.body.data as { count: number; shop_coupon_meta_list: ListItem[] };
  };

  it('createCoupon answers a coupon_meta_id (no idempotency: a repeat is a second batch); the list finds it by name', async () => {
    const first = await call('marketing.createCoupon', createParams());
    expect(first.body).toMatchObject({ code: 10000, data: { coupon_meta_id: expect.stringMatching(/^55\d{17}$/) } });
    const again = await call('marketing.createCoupon', createParams());
    expect(again.body.data.coupon_meta_id).not.toBe(first.body.data.coupon_meta_id);
    await call('marketing.createCoupon', createParams({ coupon_name: '直减5元', type: 22, credit: 500, threshold: undefined }));
    const named = await list({ coupon_name: '满100减10' });
    expect(named.shop_coupon_meta_list.map((c) => [c.coupon_meta_id, c.status, c.type, c.total_amount])).toEqual([
      [again.body.data.coupon_meta_id, 3, 23, 200],
      [first.body.data.coupon_meta_id, 3, 23, 200],
    ]);
    expect((await list({ type: 22 })).shop_coupon_meta_list.map((c) => c.coupon_name)).toEqual(['直减5元']);
    const detail = await call('marketing.GetCouponDetail', { coupon_meta_id: first.body.data.coupon_meta_id });
    expect(detail.body.data).toMatchObject({ coupon_meta_id: first.body.data.coupon_meta_id, credit: 1000, threshold: 10_000, left_amount: 200, used_amount: 0, period_type: 2, valid_period: 7 });
  });

  it.each([
    ['coupon_name', { coupon_name: '' }, 'coupon_name is required'],
    ['type', { type: 3 }, 'type must be 21/22/23'],
    ['type_detail of a shop coupon', { type_detail: '999' }, "type_detail of a shop coupon (type 23) must be this shop's id 100001"],
    ['type_detail of an item coupon', { type: 43, type_detail: '3600000000000000099' }, 'type_detail: 3600000000000000099 is not a product of this shop'],
    ['credit', { credit: 0 }, 'credit must be >= 1'],
    ['threshold below credit', { threshold: 500 }, 'threshold must be greater than credit'],
    ['credit in yuan', { credit: 9.5 }, 'credit must be an integer'],
    ['discount', { type: 21, discount: 100, credit: undefined, threshold: undefined }, 'discount must be <= 99'],
    ['start_apply_time as ms', { start_apply_time: Date.now() }, 'start_apply_time must be "yyyy-MM-dd HH:mm:ss"'],
    ['end_apply_time before start', { end_apply_time: beijingDateTime(Date.now() - 2 * 3_600_000) }, 'end_apply_time must be after start_apply_time'],
    ['end_apply_time in the past', { start_apply_time: beijingDateTime(Date.now() - 3 * DAY), end_apply_time: beijingDateTime(Date.now() - DAY) }, 'end_apply_time is in the past'],
    ['coupon_period_type', { coupon_period_type: 2 }, 'coupon_period_type is not a parameter (period_type is)'],
    ['period_type', { period_type: 3 }, 'period_type must be 1'],
    ['valid_period', { valid_period: undefined }, 'valid_period is required'],
    ['expire_time', { period_type: 1, start_time: beijingDateTime(Date.now() + DAY), expire_time: beijingDateTime(Date.now()) }, 'expire_time must be after start_time'],
    ['total_amount', { total_amount: 0 }, 'total_amount must be >= 1'],
    ['max_apply_times', { max_apply_times: undefined }, 'max_apply_times is required'],
    ['pay_type', { pay_type: 5 }, 'pay_type must be 0'],
  ])('refuses a bad %s naming the parameter, and stores nothing', async (_what, over, message) => {
    const res = await call('marketing.createCoupon', createParams(over));
    expect(res.status).toBe(200);
    expect(res.body.code).not.toBe(10000);
    expect(res.body.sub_msg).toContain(message);
    expect(sim.store.coupons.size).toBe(0);
  });

  it('AbleCouponMeta 2 invalidates the batch (status 2, not redeemed any more), 3 enables it; another shop cannot touch or list it', async () => {
    const { coupon_meta_id: id } = (await call('marketing.createCoupon', createParams())).body.data;
    const foreign = await as(OTHER_SHOP)('marketing.AbleCouponMeta', { coupon_meta_id: id, status: 2 });
    expect(foreign.body).toMatchObject({ code: 40003, sub_msg: expect.stringContaining(`coupon_meta_id ${id}`) });
    expect((await list({}, OTHER_SHOP)).count).toBe(0);
    expect((await as(OTHER_SHOP)('marketing.GetCouponDetail', { coupon_meta_id: id })).body.code).toBe(40003);
    expect((await list()).shop_coupon_meta_list[0].status).toBe(3);
    expect((await call('marketing.AbleCouponMeta', { coupon_meta_id: id, status: 2 })).body).toMatchObject({ code: 10000, data: { res: true } });
    expect((await list()).shop_coupon_meta_list[0].status).toBe(2);
    expect((await list({ statuses: [3] })).count).toBe(0);
    expect(sim.store.redeemableCoupons(DOUYIN_DEMO_SHOP.platformShopId)).toEqual([]);
    expect((await call('marketing.AbleCouponMeta', { coupon_meta_id: id, status: 3 })).body.code).toBe(10000);
    expect((await list()).shop_coupon_meta_list[0].status).toBe(3);
    expect((await call('marketing.AbleCouponMeta', { coupon_meta_id: id, status: 4 })).body.sub_msg).toContain('status must be 2 (invalidate) or 3 (enable)');
  });

  it('a batch before its apply window is status 1; an item coupon takes only the shop’s own products', async () => {
    const later = Date.now() + DAY;
    await call('marketing.createCoupon', createParams({ start_apply_time: beijingDateTime(later), end_apply_time: beijingDateTime(later + DAY) }));
    expect((await list()).shop_coupon_meta_list[0].status).toBe(1);
    const [mine] = sim.seedProducts([{ productId: '3600000000000000011', skus: [{ skuId: '1700000000000000011', skuCode: 'D-1', stock: 5, priceFen: 100, originalPriceFen: 100 }] }]);
    const ok = await call('marketing.createCoupon', createParams({ type: 42, threshold: undefined, type_detail: mine.productId }));
    expect(ok.body.code).toBe(10000);
  });

  it('a generated order that redeems the batch carries it in order.orderDetail promotion_detail (not in order.searchList)', async () => {
    sim.seedProducts([{ productId: '3600000000000000011', skus: [{ skuId: '1700000000000000011', skuCode: 'D-1', stock: 500, priceFen: 20_000, originalPriceFen: 20_000 }] }]);
    const { coupon_meta_id: id } = (await call('marketing.createCoupon', createParams())).body.data;
    sim.generator.couponRate = 1;
    const order = sim.generator.makeOne([DOUYIN_DEMO_SHOP.platformShopId])!;
    expect(order.coupon).toEqual({ couponId: id, amountFen: 1000 });
    const detail = (await call('order.orderDetail', { shop_order_id: order.orderId })).body.data.shop_order_detail;
    expect(detail).toMatchObject({ promotion_amount: order.discountFen, promotion_shop_amount: order.discountFen, promotion_platform_amount: 0, total_promotion_amount: order.discountFen });
    expect(detail.promotion_detail.shop_discount_detail).toMatchObject({
      total_amount: order.discountFen,
      coupon_amount: 1000,
      full_discount_amount: order.discountFen - 1000,
      coupon_info: [{ coupon_meta_id: id, coupon_amount: 1000, coupon_type: 23, coupon_name: '满100减10' }],
    });
    const listed = (await call('order.searchList', { page: 0, size: 10 })).body.data.shop_order_list[0];
    expect(listed.promotion_amount).toBe(order.discountFen);
    expect(listed).not.toHaveProperty('promotion_detail');
    expect((await list()).shop_coupon_meta_list[0]).toMatchObject({ used_amount: 1, total_amount: 200 });
  });
});

describe('DouyinAdapter coupons against the douyin simulator (round trip)', () => {
  const harness = contractHarness((deps) => new DouyinAdapter(deps));
  let sim: DouyinSimulator;
  let backend: SimulatorBackend;
  beforeEach(async () => {
    sim = await new DouyinSimulator({ qps: null, products: 0, shops: [DOUYIN_DEMO_SHOP, OTHER_SHOP] }).listen();
    backend = new SimulatorBackend(sim);
  });
  afterEach(() => sim.close());

  const draft = (over: Partial<CouponDraft> = {}): CouponDraft => ({
    idempotencyKey: `cpn-${Math.random().toString(36).slice(2)}`,
    name: '满50减5',
    kind: 'threshold',
    thresholdFen: 5000,
    amountFen: 500,
    ratePermille: null,
    maxDiscountFen: null,
    totalQuantity: 300,
    perUserLimit: 2,
    claimStartsAt: new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString(),
    claimEndsAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * DAY).toISOString(),
    validity: { kind: 'after_claim', from: null, until: null, days: 3 },
    audience: 'everyone',
    platformProductIds: [],
    ...over,
  });

  it('create; findCoupon finds it after a lost answer (and not a draft of another window); stop; find shows it ended', async () => {
    const { sut, shop } = harness.make(backend);
    const d = draft();
    const created = await sut.createCoupon(shop, d);
    expect(created).toEqual({ platformCouponId: expect.stringMatching(/^55\d{17}$/), status: 'claimable', totalQuantity: 300 });
    expect(await sut.findCoupon(shop, d)).toEqual({ platformCouponId: created.platformCouponId, status: 'claimable', totalQuantity: 300 });
    expect(await sut.findCoupon(shop, { ...d, claimEndsAt: new Date(Date.parse(d.claimEndsAt) + 1000).toISOString() })).toBeNull();
    expect(await sut.findCoupon(shop, { ...d, name: '满50减' })).toBeNull(); // the list matches a part of the name; we match all of it
    await sut.stopCoupon(shop, created.platformCouponId);
    expect(await sut.findCoupon(shop, d)).toMatchObject({ platformCouponId: created.platformCouponId, status: 'ended' });
    const [sent] = await backend.received('marketing.createCoupon');
    expect(sent.params).toMatchObject({ type: 23, threshold: 5000, credit: 500, period_type: 2, valid_period: 3, type_detail: DOUYIN_DEMO_SHOP.platformShopId });
  });

  it('another shop cannot stop the batch and does not find it', async () => {
    const mine = harness.make(backend);
    const d = draft();
    const created = await mine.sut.createCoupon(mine.shop, d);
    const other: ShopContext = { ...mine.shop, shopId: 'other-shop', platformShopId: OTHER_SHOP.platformShopId, credentials: { ...mine.shop.credentials, accessToken: OTHER_SHOP.accessToken, refreshToken: OTHER_SHOP.refreshToken } };
    const theirs = harness.make(backend, other);
    expect(await rejectionOf(theirs.sut.stopCoupon(other, created.platformCouponId))).toMatchObject({ kind: 'not_found' }); // 优惠券不存在
    expect(await theirs.sut.findCoupon(other, d)).toBeNull();
    expect(await mine.sut.findCoupon(mine.shop, d)).toMatchObject({ status: 'claimable' });
    mine.breakers.shutdown(); // the harness shuts down the last one made
  });

  it("a generated order redeeming the batch: getOrder maps its coupon line {kind coupon, bearer shop, platformCouponId = coupon_meta_id}; listOrders leaves it to getOrder", async () => {
    sim.seedProducts([{ productId: '3600000000000000011', skus: [{ skuId: '1700000000000000011', skuCode: 'D-1', stock: 500, priceFen: 20_000, originalPriceFen: 20_000 }] }]);
    const { sut, shop } = harness.make(backend);
    const created = await sut.createCoupon(shop, draft());
    sim.generator.couponRate = 1;
    const generated = sim.generator.makeOne([DOUYIN_DEMO_SHOP.platformShopId])!;
    const order = await sut.getOrder(shop, generated.orderId);
    expect(order.discountFen).toBe(generated.discountFen);
    expect(order.discounts).toEqual(
      expect.arrayContaining([{ kind: 'coupon', bearer: 'shop', amountFen: 500, platformCouponId: created.platformCouponId, platformPromotionId: null, platformType: '23', name: '满50减5' }]),
    );
    expect(order.discounts!.reduce((a, l) => a + l.amountFen, 0)).toBe(generated.discountFen);
    const page = await sut.listOrders(shop, { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), page: null });
    expect(page.partialIds).toEqual([generated.orderId]);
    expect(page.orders).toEqual([]);
  });
});
