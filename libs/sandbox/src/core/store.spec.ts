import { SimStore, type IdScheme } from './store';

function ids(): IdScheme {
  let n = 0;
  const next = () => String(++n);
  return { orderId: next, lineId: next, productId: next, skuId: next, couponId: next, messageId: next };
}

describe('SimStore.queryOrders (time index)', () => {
  let clock = 1_000_000;
  const store = new SimStore(ids(), () => clock);
  store.addShop({ platformShopId: 's1', appKey: 'k', appSecret: 's', accessToken: 'a', refreshToken: 'r' });
  store.addShop({ platformShopId: 's2', appKey: 'k', appSecret: 's', accessToken: 'a2', refreshToken: 'r2' });
  const item = [{ skuId: 'x', quantity: 1, productId: 'p', skuCode: 'X', title: 't', unitPriceFen: 100 }];
  const make = (shopId: string, at: number) => {
    clock = at;
    return store.createOrder({ shopId, status: 'paid', items: item }).orderId;
  };

  it('reads a window by update time, in order, for one shop; created out of order and updated orders included once', () => {
    const a = make('s1', 1_000_000);
    const b = make('s1', 1_002_000);
    const other = make('s2', 1_001_000);
    const past = make('s1', 990_000); // out of order (a test creating an order in the past)
    clock = 1_003_000;
    store.transition(a, 'shipped'); // a's update time moves to 1_003_000
    const win = (from: number, to: number, field: 'updatedAt' | 'createdAt' = 'updatedAt') => store.queryOrders('s1', field, from, to, true).map((o) => o.orderId);
    expect(win(0, Number.POSITIVE_INFINITY)).toEqual([past, b, a]);
    expect(win(999_000, 1_002_500)).toEqual([b]); // a left its old place
    expect(win(1_003_000, 1_003_000)).toEqual([a]);
    expect(win(0, 1_000_000, 'createdAt')).toEqual([past, a]);
    expect(store.queryOrders('s2', 'updatedAt', 0, Number.POSITIVE_INFINITY).map((o) => o.orderId)).toEqual([other]);
    expect(store.queryOrders('s1', 'updatedAt', 0, Number.POSITIVE_INFINITY, false, (o) => o.status === 'paid').map((o) => o.orderId)).toEqual([b, past]);
  });
});
