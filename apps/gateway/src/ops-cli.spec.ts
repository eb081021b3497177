import { campaignLines } from './ops-cli';

describe(campaignLines.name, () => {
  const base = {
    id: 'c1',
    name: '直播间券',
    status: 'exhausted',
    kind: 'direct',
    thresholdFen: null,
    amountFen: 500,
    ratePermille: null,
    maxDiscountFen: null,
    totalQuantity: 100,
    budgetFen: 5_000,
    claimStartsAt: '2026-12-03T00:00:00.000Z',
    claimEndsAt: '2026-12-04T00:00:00.000Z',
    platforms: [{ shopId: 's1', platform: 'kuaishou', state: 'stopped', reason: null, warnings: [], api: 'open.promotion.coupon.create', platformCouponId: '42', lastError: null }],
  };
  it("prints the counted figures per platform, the budget marks and the guard's stop with its overshoot", () => {
    const lines = campaignLines({
      ...base,
      figures: {
        remainingStock: 89,
        redemptions: 11,
        returned: 1,
        spentFen: 5_500,
        gmvFen: 110_000,
        byPlatform: [{ platform: 'kuaishou', redemptions: 11, returned: 1, spentFen: 5_500, gmvFen: 110_000 }],
        budget: { budgetFen: 5_000, spentPct: 110, marks: [{ pct: 80, crossedAt: 't80' }, { pct: 100, crossedAt: 't100' }], exhaustedAt: 't-stop', overshootFen: 500 },
        note: 'counted from orders',
      },
    } as never);
    expect(lines).toContain('  remaining 89  redemptions 11 (returned 1)  spent ¥55.00 of ¥50.00 (110%)  GMV ¥1100.00');
    expect(lines).toContain('    kuaishou: 11 redemptions, 1 returned, spent ¥55.00, GMV ¥1100.00');
    expect(lines).toContain('  budget marks: 80% at t80, 100% at t100');
    expect(lines).toContain('  exhausted at t-stop, overshoot ¥5.00');
  });
});
