/**
 * Coupon campaigns through the gateway (signed forwarding to the coupon service) and the ops CLI, with two
 * merchants on one running system: A owns the Douyin and Taobao shops, B the Xiaohongshu one. Each shop's state
 * comes from its platform's coupon capability; B's campaign is a 404 for A; `ops coupons show` prints it.
 * After the start, the {coupon-sync} job of the Taobao shop finds that omnisync's Taobao adapter makes no coupon calls and
 * says so (manual, with the reason); nothing is sent to any simulator (the Kuaishou coupon path: apps/coupon coupon-sync.int-spec).
 */
import { runOpsCli } from '../../apps/gateway/src/ops-cli';
import { startE2eSystem, type E2eSystem } from '../../apps/order-sync/test/e2e/support/e2e-system';

jest.setTimeout(180_000);

const day = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const campaign = (over: Record<string, unknown> = {}) => ({
  name: '直播间专享满减券',
  kind: 'threshold',
  thresholdFen: 10_000,
  amountFen: 1_000,
  totalQuantity: 500,
  perUserLimit: 1,
  claimStartsAt: at(-60_000),
  claimEndsAt: at(day),
  validity: { kind: 'after_claim', days: 7 },
  scope: 'shop',
  audience: 'everyone',
  budgetFen: 200_000,
  ...over,
});

describe('coupon campaigns through the gateway', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    e2e = await startE2eSystem({ apps: ['gateway', 'coupon'], secondMerchant: { platforms: ['xiaohongshu'] } });
  }, 180_000);
  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  async function ops(key: string, ...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOpsCli(argv, { OMNISYNC_URL: e2e.sys.urls.gateway, OMNISYNC_API_KEY: key }, { out: (l) => out.push(l), err: (l) => err.push(l), fetch });
    return { code, out, err };
  }

  it('creates, starts and shows a campaign; unsupported and manual platforms carry their reasons; B’s campaign is a 404 for A', async () => {
    const gw = e2e.sys.gateway;
    const created = await gw.post('/coupon-campaigns', campaign());
    expect(created.status).toBe(201);
    const c = created.data as { id: string; platforms: { platform: string; state: string; reason: string | null }[] };
    expect(c.platforms.map((p) => [p.platform, p.state]).sort()).toEqual([
      ['douyin', 'manual'],
      ['taobao', 'pending'],
    ]);
    expect(c.platforms.find((p) => p.platform === 'douyin')?.reason).toMatch(/^unconfirmed API \(marketing.createCoupon/);

    // a banned word: 422 through the gateway, naming it
    const banned = await gw.post('/coupon-campaigns', campaign({ name: '全网第一满减券' }));
    expect(banned.status).toBe(422);
    expect(banned.data.message).toEqual([expect.stringMatching(/^name: banned word "全网" /), expect.stringMatching(/^name: banned word "第一" /)]);
    // a bad body: 400 naming the field, passed through
    const bad = await gw.post('/coupon-campaigns', campaign({ perUserLimit: 900 }));
    expect(bad.status).toBe(400);
    expect(bad.data.message).toContain('perUserLimit must not be above totalQuantity');

    const started = await gw.post(`/coupon-campaigns/${c.id}/start`);
    expect(started.status).toBe(200);
    expect(started.data.status).toBe('active');
    expect((await gw.post(`/coupon-campaigns/${c.id}/start`)).status).toBe(409);

    const b = e2e.sys.second!.gateway;
    const theirs = await b.post('/coupon-campaigns', campaign());
    expect(theirs.status).toBe(201);
    expect(theirs.data.platforms).toEqual([expect.objectContaining({ platform: 'xiaohongshu', state: 'manual', reason: expect.stringMatching(/no coupon or marketing API/) })]);
    expect((await gw.get(`/coupon-campaigns/${theirs.data.id}`)).status).toBe(404);
    expect((await gw.post(`/coupon-campaigns/${theirs.data.id}/stop`)).status).toBe(404);
    const listA = await gw.get('/coupon-campaigns');
    expect((listA.data.campaigns as { id: string }[]).map((x) => x.id)).toEqual([c.id]);

    // the Taobao shop's coupon-sync job: Taobao's create API exists, omnisync's adapter does not call it -> manual, said
    const deadline = Date.now() + 20_000;
    let tb: { state: string; reason: string | null } | undefined;
    while (Date.now() < deadline) {
      tb = ((await gw.get(`/coupon-campaigns/${c.id}`)).data.platforms as { platform: string; state: string; reason: string | null }[]).find((p) => p.platform === 'taobao');
      if (tb?.state === 'manual') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(tb).toMatchObject({ state: 'manual', reason: expect.stringMatching(/^taobao: this adapter does not manage coupons/) });

    const shown = await ops(e2e.sys.adminKey, 'coupons', 'show', c.id);
    expect(shown).toMatchObject({ code: 0, err: [] });
    expect(shown.out[0]).toMatch(new RegExp(`^campaign ${c.id}  "直播间专享满减券"  active  ¥10.00 off from ¥100.00  quantity 500  budget ¥2000.00$`));
    expect(shown.out.join('\n')).toMatch(/taobao\s+\S+\s+manual\s+taobao.promotion.coupon.add\s+-\s+taobao: this adapter does not manage coupons/);
    expect(shown.out.join('\n')).toContain('remaining 500  redemptions 0 (returned 0)  spent ¥0.00 of ¥2000.00 (0%)  GMV ¥0.00');
    const foreign = await ops(e2e.sys.adminKey, 'coupons', 'show', theirs.data.id);
    expect(foreign.code).toBe(1);
    expect(foreign.err.join('\n')).toMatch(/-> 404/);
  });
});
