import type { CanonicalOrder } from '@app/contracts';
import type { ShopContext } from '@app/platforms';
import { answersTheId, checkAnswer, refusalSummary } from './platform-answer';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const SKEW = 5 * 60_000;

const shop: ShopContext = {
  shopId: 'shop-a',
  platform: 'douyin',
  platformShopId: '1001',
  baseUrl: 'http://127.0.0.1:1',
  credentials: { appKey: 'k', appSecret: 's', accessToken: 't', refreshToken: null, accessTokenExpiresAt: null },
};

function order(over: Partial<CanonicalOrder> = {}): CanonicalOrder {
  return {
    platform: 'douyin',
    shopId: 'whatever-the-adapter-said',
    platformOrderId: 'O1',
    status: 'paid',
    platformStatus: '2',
    createdAt: '2026-12-01T11:00:00.000Z',
    paidAt: '2026-12-01T11:01:00.000Z',
    updatedAt: '2026-12-01T11:59:00.000Z',
    cashOnDelivery: false,
    totalFen: 1,
    paidFen: 1,
    shippingFen: 0,
    discountFen: 0,
    buyer: { nickMasked: null, receiverMasked: null, phoneMasked: null, addressMasked: null },
    items: [],
    refundStatus: 'none',
    ...over,
  };
}

describe(checkAnswer.name, () => {
  const sut = (orders: CanonicalOrder[]) => checkAnswer(shop, orders, NOW, SKEW);

  it('accepts an order of the asking shop and sets it to that shop', () => {
    const res = sut([order({ platformShopId: '1001' }), order({ platformOrderId: 'O2' })]);
    expect(res.refused).toEqual([]);
    expect(res.accepted.map((o) => [o.platformOrderId, o.shopId])).toEqual([
      ['O1', 'shop-a'],
      ['O2', 'shop-a'],
    ]);
  });

  it.each([
    ['another platform shop', order({ platformShopId: '2002' }), 'foreign_shop'],
    ['another platform', order({ platform: 'taobao' }), 'foreign_shop'],
    ['an update time beyond the skew', order({ updatedAt: '2099-01-01T00:00:00.000Z' }), 'future_time'],
    ['a pay time beyond the skew', order({ paidAt: new Date(NOW + SKEW + 1000).toISOString() }), 'future_time'],
    ['a creation time beyond the skew', order({ createdAt: new Date(NOW + SKEW + 1000).toISOString() }), 'future_time'],
    ['an unreadable update time', order({ updatedAt: 'not a time' }), 'future_time'],
  ] as const)('refuses an order with %s', (_what, o, reason) => {
    const res = sut([o]);
    expect(res.accepted).toEqual([]);
    expect(res.refused).toEqual([{ platformOrderId: 'O1', reason, updatedAt: o.updatedAt }]);
  });

  it('accepts times within the skew (platform clocks run a little ahead)', () => {
    const t = new Date(NOW + SKEW - 1000).toISOString();
    expect(sut([order({ updatedAt: t, paidAt: t, createdAt: t })]).accepted).toHaveLength(1);
  });

  it('counts refusals per reason for the log line', () => {
    const res = sut([order({ platformShopId: '2002' }), order({ updatedAt: '2099-01-01T00:00:00.000Z' }), order()]);
    expect(refusalSummary(res.refused)).toEqual({ foreign_shop: 1, not_asked: 0, future_time: 1, unknown_status: 0 });
  });
});

describe(answersTheId.name, () => {
  it('is true only for the order asked for', () => {
    expect(answersTheId('O1', order())).toBe(true);
    expect(answersTheId('O9', order())).toBe(false);
  });
});
