import axios from 'axios';
import { douyinPushSign } from '@app/platforms';
import { DOUYIN_DEMO_SHOP } from '@app/sandbox';
import { startE2eSystem, type E2eSystem } from '../../apps/order-sync/test/e2e/support/e2e-system';
import { runCli } from '../../apps/gateway/src/cli';

/**
 * Two merchants on one running system (gateway + order-sync + the simulators). B is the system's merchant, with
 * the simulated douyin shop under B's own app; A is a second merchant trying B's app key, B's push ids and a
 * base URL of its own.
 */
describe('shops across merchants, on the running system', () => {
  let e2e: E2eSystem;
  let adminA: string;
  const gw = () => axios.create({ baseURL: e2e.sys.urls.gateway, headers: { authorization: `Bearer ${adminA}` }, validateStatus: () => true, timeout: 30_000 });

  beforeAll(async () => {
    e2e = await startE2eSystem({ apps: ['gateway', 'order-sync'] });
    const out: string[] = [];
    const code = await runCli(['create-admin-key', '--merchant', 'merchant A'], { DATABASE_URL: e2e.sys.options.databaseUrl } as NodeJS.ProcessEnv, {
      out: (l) => out.push(l),
      err: () => undefined,
    });
    expect(code).toBe(0);
    adminA = out[0];
  }, 180_000);

  afterAll(async () => {
    await e2e?.teardown();
  });

  const push = (items: unknown[], appKey: string, secret: string) => {
    const body = JSON.stringify(items);
    return axios.post(`${e2e.sys.urls.gateway}/webhooks/douyin`, body, {
      headers: { 'content-type': 'application/json', 'app-id': appKey, 'event-sign': douyinPushSign(appKey, body, secret) },
      validateStatus: () => true,
    });
  };
  const orderMsg = (msgId: string, shopId: string, orderId: string) => ({
    tag: '101',
    msg_id: msgId,
    data: JSON.stringify({ p_id: orderId, shop_id: shopId, update_time: Math.floor(Date.now() / 1000) }),
  });
  const inbox = (msgId: string) =>
    e2e.db.query(`SELECT app_key, shop_id::text AS shop_id, status FROM order_sync.inbox WHERE message_id = $1 ORDER BY id`, [msgId]) as Promise<
      { app_key: string; shop_id: string | null; status: string }[]
    >;

  it("refuses B's app key to A, keeps B's pushes verifying, and never stores A's forged push under B's shop", async () => {
    const shopB = e2e.sys.shops.douyin.id;
    const hijack = await gw().post('/shops', { platform: 'douyin', platformShopId: 'a-shop-1', name: 'A', appKey: DOUYIN_DEMO_SHOP.appKey, appSecret: 'chosen-by-A' });
    expect(hijack.status).toBe(409);
    expect(JSON.stringify(hijack.data)).not.toContain(e2e.sys.merchantId);
    expect((await gw().post('/shops', { platform: 'douyin', platformShopId: DOUYIN_DEMO_SHOP.platformShopId, name: 'A', appKey: 'app-of-a', appSecret: 'a-secret' })).status).toBe(409);

    // A's own app and shop, then a push signed by A's app naming B's platform shop
    expect((await gw().post('/platform-apps', { platform: 'douyin', appKey: 'app-of-a', appSecret: 'a-secret' })).status).toBe(201);
    expect((await gw().post('/shops', { platform: 'douyin', platformShopId: 'a-shop-1', name: 'A', appKey: 'app-of-a' })).status).toBe(201);
    expect((await push([orderMsg('forged-e2e', DOUYIN_DEMO_SHOP.platformShopId, '6900000000000000001')], 'app-of-a', 'a-secret')).status).toBe(200);
    expect(await inbox('forged-e2e')).toEqual([{ app_key: 'app-of-a', shop_id: null, status: 'ignored' }]);

    // A pushes B's next message id first; B's genuine message (signed with B's app) is still stored, under B's shop
    expect((await push([orderMsg('shared-e2e', 'a-shop-1', '6900000000000000002')], 'app-of-a', 'a-secret')).status).toBe(200);
    expect((await push([orderMsg('shared-e2e', DOUYIN_DEMO_SHOP.platformShopId, '6900000000000000003')], DOUYIN_DEMO_SHOP.appKey, DOUYIN_DEMO_SHOP.appSecret)).status).toBe(200);
    const rows = await inbox('shared-e2e');
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.app_key === DOUYIN_DEMO_SHOP.appKey)?.shop_id).toBe(shopB);
    expect(rows.find((r) => r.app_key === 'app-of-a')?.shop_id).not.toBe(shopB);
  });

  it('answers a base URL in the body with 400 naming the field, and registers nothing', async () => {
    const before = (await gw().get('/shops')).data.length;
    const res = await gw().post('/shops', { platform: 'douyin', platformShopId: 'a-shop-2', name: 'A', appKey: 'app-of-a', baseUrl: 'http://127.0.0.1:6379' });
    expect(res.status).toBe(400);
    expect(res.data.message).toEqual(['property baseUrl should not exist']);
    expect((await gw().get('/shops')).data.length).toBe(before);
  });
});
