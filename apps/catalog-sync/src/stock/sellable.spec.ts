import { allocationProblem, computeSellable, type Allocation, type SellableInput } from './sellable';

const SHOPS = [
  { shopId: 'dy', platform: 'douyin' as const },
  { shopId: 'tb', platform: 'taobao' as const },
  { shopId: 'xhs', platform: 'xiaohongshu' as const },
];
const shared: Allocation = { mode: 'shared', shares: {}, ringFenced: null };
const fixed = (d: number, t: number, x: number): Allocation => ({ mode: 'fixed', shares: { douyin: d, taobao: t, xiaohongshu: x }, ringFenced: null });
const ring = (platform: 'douyin' | 'taobao', quantity: number): Allocation => ({ mode: 'ring_fenced', shares: {}, ringFenced: { platform, quantity } });

function run(onHand: number, safetyStock: number, allocation: Allocation, reserved: Record<string, number>) {
  const input: SellableInput = { onHand, safetyStock, allocation, shops: SHOPS, reservedByShop: reserved };
  const r = computeSellable(input);
  return { dy: r.perShop.dy, tb: r.perShop.tb, xhs: r.perShop.xhs, oversold: r.oversold };
}

describe(computeSellable.name, () => {
  it.each([
    // name, onHand, safety, allocation, reserved, expected
    ['shared: everyone sees the free pool', 100, 0, shared, {}, { dy: 100, tb: 100, xhs: 100, oversold: 0 }],
    ['shared: safety stock is held back', 100, 10, shared, {}, { dy: 90, tb: 90, xhs: 90, oversold: 0 }],
    ['shared: a sale on one lowers all', 100, 0, shared, { tb: 7 }, { dy: 93, tb: 93, xhs: 93, oversold: 0 }],
    ['shared: oversold pool shows 0 and measures the oversell', 100, 0, shared, { dy: 60, tb: 50, xhs: 5 }, { dy: 0, tb: 0, xhs: 0, oversold: 15 }],
    ['shared: reservations of unmapped shops count too', 10, 0, shared, { gone: 4 }, { dy: 6, tb: 6, xhs: 6, oversold: 0 }],
    ['fixed: shares of the base', 100, 0, fixed(40, 30, 30), {}, { dy: 40, tb: 30, xhs: 30, oversold: 0 }],
    ['fixed: a sale lowers only its own share', 100, 0, fixed(40, 30, 30), { dy: 15 }, { dy: 25, tb: 30, xhs: 30, oversold: 0 }],
    ['fixed: an exhausted share shows 0', 100, 0, fixed(40, 30, 30), { dy: 40 }, { dy: 0, tb: 30, xhs: 30, oversold: 0 }],
    ['fixed: floors, never more than the base', 10, 0, fixed(33, 33, 34), {}, { dy: 3, tb: 3, xhs: 3, oversold: 0 }],
    ['fixed: unlisted platforms get nothing', 100, 0, { mode: 'fixed', shares: { douyin: 50 }, ringFenced: null }, {}, { dy: 50, tb: 0, xhs: 0, oversold: 0 }],
    ['fixed: the sum is capped by the true free stock', 100, 0, fixed(40, 30, 30), { dy: 70 }, { dy: 0, tb: 15, xhs: 15, oversold: 0 }],
    ['fixed: safety stock comes off the base before the split', 110, 10, fixed(50, 50, 0), {}, { dy: 50, tb: 50, xhs: 0, oversold: 0 }],
    ['ring_fenced: live pool for douyin, rest shared', 100, 0, ring('douyin', 30), {}, { dy: 30, tb: 70, xhs: 70, oversold: 0 }],
    ['ring_fenced: live sales come out of the pool', 100, 0, ring('douyin', 30), { dy: 10, tb: 20 }, { dy: 20, tb: 50, xhs: 50, oversold: 0 }],
    ['ring_fenced: pool larger than stock is capped', 20, 0, ring('taobao', 50), {}, { dy: 0, tb: 20, xhs: 0, oversold: 0 }],
    ['ring_fenced: others selling into the pool leave live with what is really free', 100, 0, ring('douyin', 30), { tb: 90 }, { dy: 10, tb: 0, xhs: 0, oversold: 0 }],
    ['no stock report yet: nothing to sell', 0, 0, shared, {}, { dy: 0, tb: 0, xhs: 0, oversold: 0 }],
  ])('%s', (_name, onHand, safety, allocation, reserved, expected) => {
    expect(run(onHand as number, safety as number, allocation as Allocation, reserved as Record<string, number>)).toEqual(expected);
  });

  it('never lets the fixed shares sum above the free stock', () => {
    for (let sold = 0; sold <= 120; sold += 7) {
      const r = computeSellable({ onHand: 100, safetyStock: 5, allocation: fixed(50, 30, 20), shops: SHOPS, reservedByShop: { dy: sold } });
      const sum = Object.values(r.perShop).reduce((a, n) => a + n, 0);
      expect(sum).toBeLessThanOrEqual(Math.max(0, r.free));
    }
  });

  it('splits a platform figure between two shops of that platform (fixed)', () => {
    const r = computeSellable({
      onHand: 100,
      safetyStock: 0,
      allocation: fixed(45, 0, 0),
      shops: [...SHOPS, { shopId: 'dy2', platform: 'douyin' }],
      reservedByShop: {},
    });
    expect([r.perShop.dy, r.perShop.dy2]).toEqual([23, 22]);
  });
});

describe(allocationProblem.name, () => {
  it.each([
    [fixed(60, 30, 20), 'shares'],
    [{ mode: 'fixed', shares: { douyin: 1.5 }, ringFenced: null } as Allocation, 'shares.douyin'],
    [{ mode: 'ring_fenced', shares: {}, ringFenced: null } as Allocation, 'ringFenced'],
  ])('names the bad field %#', (a, field) => {
    expect(allocationProblem(a)?.field).toBe(field);
  });
  it('accepts a valid allocation', () => {
    expect(allocationProblem(fixed(40, 30, 30))).toBeNull();
  });
});
