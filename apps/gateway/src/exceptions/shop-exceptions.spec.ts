import type { ShopView } from '../shops/dto/shop.view';
import { evaluateRules } from '../alerts/alert-rules';
import { shopExceptions } from './shop-exceptions';

const DAY = 86_400_000;
const now = Date.parse('2026-12-03T06:00:00Z');
const shop = (over: Partial<ShopView>): ShopView =>
  ({
    id: 's1',
    merchantId: 'm1',
    platform: 'kuaishou',
    platformShopId: 'ks-1',
    name: '快手店',
    appKey: 'ak',
    status: 'active',
    statusReason: null,
    tokenExpiresAt: new Date(now + 2 * DAY).toISOString(),
    refreshTokenExpiresAt: null,
    credentials: 'ok',
    hasAccessToken: true,
    hasRefreshToken: true,
    createdAt: new Date(now - 170 * DAY).toISOString(),
    updatedAt: new Date(now - DAY).toISOString(),
    ...over,
  }) as ShopView;

describe(shopExceptions.name, () => {
  it("the grant's fixed end (Kuaishou's 180 days): warning from 14 days before, critical within a day; nothing earlier or when not said", () => {
    expect(shopExceptions([shop({ refreshTokenExpiresAt: new Date(now + 20 * DAY).toISOString() })], now)).toEqual([]);
    expect(shopExceptions([shop({})], now)).toEqual([]);
    const [warn] = shopExceptions([shop({ refreshTokenExpiresAt: new Date(now + 10 * DAY).toISOString() })], now);
    expect(warn).toMatchObject({ type: 'shop_token_expiring', severity: 'warning', actions: ['reauthorize'], context: { shopId: 's1', grant: true } });
    expect(warn.title.en).toMatch(/^Shop authorisation ends in 10 days/);
    const [crit] = shopExceptions([shop({ refreshTokenExpiresAt: new Date(now + 3_600_000).toISOString() })], now);
    expect(crit).toMatchObject({ severity: 'critical' });
  });

  it('the grant and the access token expiring together are two alerts of the rule, not one', () => {
    const s = shop({ tokenExpiresAt: new Date(now + 3_600_000).toISOString(), refreshTokenExpiresAt: new Date(now + 5 * DAY).toISOString() });
    const c = evaluateRules(
      { merchantId: 'm1', at: now, sla: null, queues: null, breakers: null, orderExceptions: null, catalogExceptions: null, couponExceptions: null, shops: [s], unavailable: [] },
      { slaWindowMs: 600_000, slaBreachRate: 0.05, slaBreachRateMinOrders: 20, queueAgeWarnMs: 60_000, breakerOpenMs: 30_000, throttledForMs: 60_000, unavailableForMs: 60_000 },
    );
    expect(c.filter((x) => x.rule === 'shop_token_expiring').map((x) => x.subject).sort()).toEqual(['s1', 's1:grant']);
  });
});
