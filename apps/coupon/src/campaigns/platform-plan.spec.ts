import { platformRegistry } from '@app/platforms';
import { planFor, type PlanInput } from './platform-plan';

const cap = (p: string) => platformRegistry.get(p).coupons;
const threshold: PlanInput = { kind: 'threshold', amountFen: 1000, thresholdFen: 10_000, scope: 'shop', audience: 'everyone', validityKind: 'fixed' };
const off = { unconfirmedApis: false };
const on = { unconfirmedApis: true };

describe(planFor.name, () => {
  it('Xiaohongshu: manual, because it publishes no coupon API', () => {
    const p = planFor('xiaohongshu', cap('xiaohongshu'), threshold, on);
    expect(p.state).toBe('manual');
    expect(p.reason).toMatch(/no coupon or marketing API/);
    expect(p.api).toBeNull();
  });

  it('Taobao: a 10-yuan threshold coupon goes through coupon.add, warning that it cannot stop or limit quantity', () => {
    const p = planFor('taobao', cap('taobao'), threshold, off);
    expect(p).toMatchObject({ state: 'pending', reason: null, api: 'taobao.promotion.coupon.add', canStop: false });
    expect(p.warnings).toEqual(
      expect.arrayContaining([
        'taobao.promotion.coupon.add cannot carry totalQuantity',
        'taobao.promotion.coupon.add cannot carry perUserLimit',
        expect.stringMatching(/^no stop API: taobao.promotion.coupon.\* has no stop or delete/),
      ]),
    );
  });

  it('Taobao: a discount, a follower audience, a product scope and an odd face value are unsupported, every reason named', () => {
    const p = planFor('taobao', cap('taobao'), { ...threshold, kind: 'discount', amountFen: null, audience: 'followers', scope: 'products' }, on);
    expect(p.state).toBe('unsupported');
    expect(p.reason).toMatch(/^kind discount: .*; audience followers: .*; scope products: taobao.promotion.coupon.add makes shop-wide coupons only$/);
    expect(planFor('taobao', cap('taobao'), { ...threshold, amountFen: 1200 }, on).reason).toBe(
      'amountFen 1200: taobao.promotion.coupon.add takes only 3 yuan, 5 yuan, 10 yuan, 20 yuan, 50 yuan, 100 yuan',
    );
    expect(planFor('taobao', cap('taobao'), { ...threshold, thresholdFen: 10_050 }, on).reason).toBe('thresholdFen 10050: taobao.promotion.coupon.add takes whole yuan');
  });

  it('Taobao: a direct coupon (condition 0) is unconfirmed, so manual while the flag is off', () => {
    const direct = { ...threshold, kind: 'direct' as const, thresholdFen: null };
    expect(planFor('taobao', cap('taobao'), direct, off)).toMatchObject({ state: 'manual', reason: expect.stringMatching(/unconfirmed API \(taobao.promotion.coupon.add \(condition 0\)\)/) });
    expect(planFor('taobao', cap('taobao'), direct, on).state).toBe('pending');
  });

  it('Douyin: marketing.* is unconfirmed: manual with the flag off, pending (stoppable) with it on', () => {
    expect(planFor('douyin', cap('douyin'), threshold, off)).toMatchObject({ state: 'manual', reason: expect.stringMatching(/^unconfirmed API \(marketing.createCoupon/) });
    expect(planFor('douyin', cap('douyin'), threshold, on)).toMatchObject({ state: 'pending', api: 'marketing.createCoupon', canStop: true, warnings: [] });
    expect(planFor('douyin', cap('douyin'), { ...threshold, audience: 'crowd_tags' }, on)).toMatchObject({ state: 'unsupported', reason: expect.stringMatching(/^audience crowd_tags: /) });
  });
  it('Kuaishou: coupon.create is unconfirmed (amounts probably fen): manual with the flag off; with it on pending, stoppable, warning the claim window is whole days', () => {
    expect(planFor('kuaishou', cap('kuaishou'), threshold, off)).toMatchObject({ state: 'manual', reason: expect.stringMatching(/^unconfirmed API \(open.promotion.coupon.create/) });
    const p = planFor('kuaishou', cap('kuaishou'), { ...threshold, scope: 'products', audience: 'followers', validityKind: 'after_claim' }, on);
    expect(p).toMatchObject({ state: 'pending', api: 'open.promotion.coupon.create', canStop: true });
    expect(p.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^open.promotion.coupon.create cannot carry a claim window finer than whole days/)]));
    expect(planFor('kuaishou', cap('kuaishou'), { ...threshold, kind: 'discount', audience: 'new_customers' }, on)).toMatchObject({ state: 'unsupported', reason: expect.stringMatching(/^kind discount: .*; audience new_customers: .*shop\.newbie\.create/) });
  });
});
