/**
 * Redemptions and the budget guard end to end (issue 11 acceptance): gateway, order-sync and coupon as processes,
 * real Postgres and Redis, the Kuaishou and Douyin simulators. A campaign created through the gateway is read back on
 * both; the simulators' buyers redeem it; the orders reach order-sync by push, their coupon lines (Kuaishou's fee
 * detail, Douyin's orderDetail promotion_detail) go through the coupon-event outbox to the coupon service, which
 * counts exactly each simulator's truth; a refund gives one back; a lowered budget is crossed by the next
 * redemption, the campaign is exhausted and stopped on both platforms.
 */
import { startE2eSystem, type E2eSystem } from '../../apps/order-sync/test/e2e/support/e2e-system';

jest.setTimeout(180_000);

const day = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

interface Figures {
  redemptions: number;
  returned: number;
  spentFen: number;
  byPlatform: Array<{ platform: string; redemptions: number }>;
  budget: { marks: Array<{ pct: number }>; exhaustedAt: string | null };
}
interface Truth {
  couponId: string;
  net: number;
  returned: number;
  stoppedAt: number | null;
}

async function until<T>(what: string, probe: () => Promise<T | null | false | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await probe().catch((e: unknown) => ((last = e), null));
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('coupon redemptions end to end (gateway, order-sync, coupon, Kuaishou and Douyin simulators)', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    // Kuaishou's coupon create is confirmed, its amount unit is not; Douyin's marketing.* is unconfirmed: the
    // operator's flag (as in the demo)
    e2e = await startE2eSystem({ apps: ['gateway', 'order-sync', 'coupon'], platforms: ['kuaishou', 'douyin'], env: { COUPON_UNCONFIRMED_APIS_ENABLED: 'true' } });
  }, 180_000);
  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  it('counts the redemptions of real orders exactly on each platform, gives one back on a refund, and stops the campaign on every platform when the budget is spent', async () => {
    const gw = e2e.sys.gateway;
    const created = await gw.post('/coupon-campaigns', {
      name: '直播间立减券',
      kind: 'direct',
      amountFen: 700,
      totalQuantity: 1_000,
      perUserLimit: 1,
      claimStartsAt: at(-60_000),
      claimEndsAt: at(day),
      validity: { kind: 'after_claim', days: 7 },
      scope: 'shop',
      audience: 'everyone',
      budgetFen: 1_000_000,
    });
    expect(created.status).toBe(201);
    const id = created.data.id as string;
    expect((await gw.post(`/coupon-campaigns/${id}/start`)).status).toBe(200);
    const view = async () => (await gw.get(`/coupon-campaigns/${id}`)).data as { status: string; platforms: Array<{ platform: string; state: string; platformCouponId: string | null }>; figures: Figures };
    const couponIds = await until('the Kuaishou and Douyin coupons created and read back', async () => {
      const created = (await view()).platforms.filter((p) => p.state === 'created' && p.platformCouponId);
      return created.length === 2 ? (Object.fromEntries(created.map((p) => [p.platform, p.platformCouponId!])) as Record<'kuaishou' | 'douyin', string>) : null;
    });
    const truth = async (p: 'kuaishou' | 'douyin' = 'kuaishou') => (await e2e.sys.sandboxAdmin<Truth[]>(p, 'GET', 'coupons/truth')).find((t) => t.couponId === couponIds[p])!;
    await expect(truth()).resolves.toMatchObject({ net: 0 });
    await expect(truth('douyin')).resolves.toMatchObject({ net: 0 });

    // the simulators' buyers redeem it: 20 orders on each, each with the coupon
    for (const p of ['kuaishou', 'douyin'] as const) {
      await e2e.sys.sandboxAdmin(p, 'POST', 'generator/coupons', { couponRate: 1 });
      await e2e.sys.sandboxAdmin(p, 'POST', 'generator/burst', { count: 20 });
    }
    await until('40 redemptions counted', async () => (await truth()).net === 20 && (await truth('douyin')).net === 20 && (await view()).figures.redemptions === 40);
    let f = (await view()).figures;
    expect(f.spentFen).toBe(40 * 700);
    expect([...f.byPlatform].sort((a, b) => a.platform.localeCompare(b.platform))).toEqual([
      expect.objectContaining({ platform: 'douyin', redemptions: 20 }),
      expect.objectContaining({ platform: 'kuaishou', redemptions: 20 }),
    ]);

    // a refund on the platform: pushed, applied, given back
    const generated = await e2e.sys.sandboxAdmin<Array<{ orderId: string }>>('kuaishou', 'GET', 'generated');
    await e2e.sys.sandboxAdmin('kuaishou', 'POST', `orders/${generated[0].orderId}/transition`, { to: 'refunded' });
    await until('the refund given back', async () => (await view()).figures.returned === 1);
    f = (await view()).figures;
    expect([f.redemptions, f.spentFen, (await truth()).net]).toEqual([39, 39 * 700, 19]);

    // the budget lowered to what is spent plus one coupon: the next redemptions cross it; the guard stops the campaign
    expect((await gw.patch(`/coupon-campaigns/${id}`, { budgetFen: 40 * 700 })).status).toBe(200);
    await e2e.sys.sandboxAdmin('kuaishou', 'POST', 'generator/burst', { count: 3 });
    const stopped = await until('exhausted and stopped on Kuaishou and Douyin', async () => {
      const v = await view();
      return v.status === 'exhausted' && v.platforms.every((p) => p.state === 'stopped') ? v : null;
    });
    expect(stopped.figures.budget.marks.map((m) => m.pct)).toEqual(expect.arrayContaining([80, 100]));
    expect(stopped.figures.budget.exhaustedAt).not.toBeNull();
    expect((await truth()).stoppedAt).not.toBeNull();
    expect((await truth('douyin')).stoppedAt).not.toBeNull();
    // ours is the simulators' truth to the last order
    await until('the count settled at the truth', async () => (await view()).figures.redemptions === (await truth()).net + (await truth('douyin')).net);
  });
});
