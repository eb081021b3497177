/**
 * Whole system as processes (sandbox + gateway + order-sync) on the real Postgres and Redis:
 *  1. a burst on each simulator reaches the ERP simulator exactly once per order, with the right data;
 *  2. every push delivered three times in shuffled order still gives one ERP order with the final status;
 *  7. bad webhook input gets the platform's failure reply and stores nothing.
 * Polling is off here so that scenario 2 exercises the push path alone.
 */
import { randomInt } from 'node:crypto';
import axios from 'axios';
import { douyinPushSign } from '@app/platforms/signing';
import { xhsPushSign } from '@app/platforms';
import type { Platform } from '@app/contracts';
import { DOUYIN_DEMO_SHOP, XHS_DEMO_SHOP } from '@app/sandbox';
import {
  PLATFORMS,
  duplicateErpOrders,
  erpByPlatformOrder,
  erpOrders,
  generated,
  paidFenOf,
  percentile,
  shuffle,
  simOrders,
  startE2eSystem,
  startPushCapture,
  tail,
  waitAllAtErp,
  waitUntil,
  type CapturedPush,
  type E2eSystem,
} from './support/e2e-system';

jest.setTimeout(120_000);

describe('order sync e2e: happy path, duplicated pushes, bad webhook input', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    const t0 = Date.now();
    e2e = await startE2eSystem({ orderSyncEnv: { ORDER_POLL_ENABLED: 'false' } });
    console.log(`system up in ${Date.now() - t0} ms (db ${e2e.databaseName}, prefix ${e2e.prefix}, redis ${e2e.redisMode})`);
  }, 180_000);

  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  it('1. a burst on each platform reaches the ERP exactly once per order, with status and paid fen, fast', async () => {
    const COUNT = 60;
    const before = Object.fromEntries(await Promise.all(PLATFORMS.map(async (p) => [p, (await generated(e2e.sys, p)).length] as const)));
    await Promise.all(PLATFORMS.map((p) => e2e.sys.sandboxAdmin(p, 'POST', 'generator/burst', { count: COUNT })));
    const made = Object.fromEntries(
      await Promise.all(
        PLATFORMS.map(async (p) => [p, await waitUntil(`${p} burst generated`, async () => {
          const g = (await generated(e2e.sys, p)).slice(before[p]);
          return g.length >= COUNT ? g : undefined;
        }, 20_000)] as const),
      ),
    );
    const want = Object.fromEntries(PLATFORMS.map((p) => [p, made[p].map((g) => g.orderId)]));
    const orders = await waitAllAtErp(e2e.sys, want, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\norder-sync:\n${tail(e2e.sys, 'order-sync')}\ngateway:\n${tail(e2e.sys, 'gateway')}`);
    });

    expect(duplicateErpOrders(orders)).toEqual([]);
    const latencies: number[] = [];
    for (const p of PLATFORMS) {
      const byId = erpByPlatformOrder(orders, p);
      const sim = new Map((await simOrders(e2e.sys, p)).map((o) => [o.orderId, o]));
      const ourIds = made[p].map((g) => byId.get(g.orderId)![0].orderId);
      const rows: { id: string; platform_order_id: string; status: string; paid_fen: string }[] = await e2e.db.query(
        `SELECT id::text AS id, platform_order_id, status, paid_fen::text AS paid_fen FROM order_sync.orders WHERE id = ANY($1::uuid[])`,
        [ourIds],
      );
      const row = new Map(rows.map((r) => [r.id, r]));
      for (const g of made[p]) {
        const erp = byId.get(g.orderId)![0];
        const s = sim.get(g.orderId)!;
        expect(erp.platformOrderId).toBe(g.orderId);
        expect(erp.status).toBe(s.status); // generated orders are paid: canonical 'paid'
        expect(erp.status).toBe('paid');
        const r = row.get(erp.orderId!);
        expect(r).toBeDefined();
        expect(r!.platform_order_id).toBe(g.orderId);
        expect(Number(r!.paid_fen)).toBe(paidFenOf(s));
        expect(Number(r!.paid_fen)).toBeGreaterThan(0);
        latencies.push(erp.firstAckAt - g.paidAt);
      }
    }
    console.log(
      `pay -> ERP latency over ${latencies.length} orders: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms`,
    );
    expect(Math.max(...latencies)).toBeLessThan(30_000);
    expect(percentile(latencies, 95)).toBeLessThan(15_000);
  });

  it('2. every push delivered 3x shuffled: one ERP order per platform order, ending in the platform final status', async () => {
    const platforms: Platform[] = ['douyin', 'xiaohongshu']; // Taobao delivers through TMC, not HTTP push
    const capture = await startPushCapture((path) =>
      path.startsWith('/webhooks/douyin') ? { code: 0, msg: 'success' } : { success: true, error_code: 0, error_msg: '' },
    );
    const gatewayPush = (p: Platform) => `${e2e.sys.urls.gateway}/webhooks/${p}`;
    const finals = ['shipped', 'cancelled', 'refunded'] as const;
    const N = 12;
    const seeded: Record<string, { id: string; final: (typeof finals)[number] }[]> = {};
    const phaseA: Record<string, CapturedPush[]> = {};
    const phaseB: Record<string, CapturedPush[]> = {};
    const pushIdle = async (p: Platform) => {
      const stats = await e2e.sys.sandboxAdmin<{ push: { enqueued: number; acked: number; pending: number; inFlight: number } }>(p, 'GET', 'stats');
      return stats.push.pending === 0 && stats.push.inFlight === 0 && stats.push.acked === stats.push.enqueued;
    };
    try {
      // captured at the gateway's own path: a Xiaohongshu push signs its path, so the replay goes to the same one
      for (const p of platforms) await e2e.sys.sandboxAdmin(p, 'POST', 'push', { url: `${capture.url}/webhooks/${p}` });
      const now = Date.now();
      // phase A: paid orders announced; phase B: their lifecycle changes
      for (const p of platforms) {
        const base = `${randomInt(1e6, 9e6)}${randomInt(1e6, 9e6)}`;
        seeded[p] = Array.from({ length: N }, (_, i) => ({
          id: p === 'douyin' ? `6${base}${String(i).padStart(4, '0')}` : `P${base}${String(i).padStart(4, '0')}`,
          final: finals[i % finals.length],
        }));
        await e2e.sys.sandboxAdmin(p, 'POST', 'seed/orders', {
          orders: seeded[p].map((o, i) => ({
            platformOrderId: o.id,
            status: 'paid',
            createdAt: now - 60_000,
            paidAt: now - 30_000,
            updatedAt: now - 30_000,
            items: [{ lineId: `${o.id}-1`, productId: 'p-e2e', skuId: 's-e2e', skuCode: 'SKU-E2E', title: 'e2e item', quantity: 1 + (i % 3), unitPriceFen: 1990 }],
            shippingFen: 500,
            discountFen: 100,
          })),
        });
      }
      for (const p of platforms) await waitUntil(`${p} phase A pushes captured`, () => pushIdle(p), 15_000);
      // both platforms push to the same capture server: split by their signature headers
      const allA = capture.pushes.splice(0);
      phaseA.douyin = allA.filter((c) => c.headers['app-id'] !== undefined);
      phaseA.xiaohongshu = allA.filter((c) => c.headers['app-key'] !== undefined);
    } catch (e) {
      for (const p of platforms) await e2e.sys.sandboxAdmin(p, 'POST', 'push', { url: gatewayPush(p) });
      await capture.close();
      throw e;
    }
    for (const p of platforms) expect(phaseA[p].length).toBeGreaterThan(0);

    const replay = async (p: Platform, pushes: CapturedPush[]) => {
      // 3 copies, shuffled, sent 4 at a time
      const list = shuffle([...pushes, ...pushes, ...pushes]);
      const replies: number[] = [];
      for (let i = 0; i < list.length; i += 4) {
        const res = await Promise.all(
          list.slice(i, i + 4).map((c) =>
            axios.post(gatewayPush(p), c.body, { headers: c.headers, validateStatus: () => true, transformRequest: (d: unknown) => d, timeout: 15_000 }),
          ),
        );
        for (const r of res) {
          replies.push(r.status);
          expect(r.data).toEqual(p === 'douyin' ? { code: 0, msg: 'success' } : { success: true, error_code: 0, error_msg: '' });
        }
      }
      expect(replies.every((s) => s === 200)).toBe(true);
    };
    // phase A 3x shuffled, before any lifecycle change (a push is a notice: order-sync reads the order's current state)
    await Promise.all(platforms.map((p) => replay(p, phaseA[p])));
    const want = Object.fromEntries(platforms.map((p) => [p, seeded[p].map((o) => o.id)]));
    await waitAllAtErp(e2e.sys, want, 30_000);

    // phase B, captured again (the push URL still points at the capture server)
    try {
      for (const p of platforms) {
        for (const o of seeded[p]) await e2e.sys.sandboxAdmin(p, 'POST', `orders/${o.id}/transition`, { to: o.final });
      }
      for (const p of platforms) await waitUntil(`${p} phase B pushes captured`, () => pushIdle(p), 15_000);
      const allB = capture.pushes.splice(0);
      phaseB.douyin = allB.filter((c) => c.headers['app-id'] !== undefined);
      phaseB.xiaohongshu = allB.filter((c) => c.headers['app-key'] !== undefined);
    } finally {
      for (const p of platforms) await e2e.sys.sandboxAdmin(p, 'POST', 'push', { url: gatewayPush(p) });
      await capture.close();
    }
    for (const p of platforms) expect(phaseB[p].length).toBeGreaterThan(0);
    // phase B 3x, shuffled together with phase A once more (old versions arriving late)
    await Promise.all(platforms.map((p) => replay(p, [...phaseB[p], ...phaseA[p]])));

    const expected = (final: string) => (o: { status: string; intercepted: string | null }) =>
      final === 'shipped' ? o.status === 'shipped' : o.intercepted === final;
    const orders = await waitUntil(
      'final statuses at the ERP',
      async () => {
        const all = await erpOrders(e2e.sys);
        for (const p of platforms) {
          const byId = erpByPlatformOrder(all, p);
          for (const o of seeded[p]) {
            const list = byId.get(o.id);
            if (!list || !list.every(expected(o.final))) return undefined;
          }
        }
        return all;
      },
      30_000,
      async () => {
        const all = await erpOrders(e2e.sys);
        return JSON.stringify(platforms.flatMap((p) => seeded[p].map((o) => ({ p, id: o.id, final: o.final, erp: erpByPlatformOrder(all, p).get(o.id)?.map((e) => [e.status, e.intercepted]) }))).slice(0, 8));
      },
    );
    for (const p of platforms) {
      const byId = erpByPlatformOrder(orders, p);
      for (const o of seeded[p]) expect(byId.get(o.id)).toHaveLength(1);
      // our own canonical state equals the platform's final status
      const rows: { platform_order_id: string; status: string }[] = await e2e.db.query(
        `SELECT platform_order_id, status FROM order_sync.orders WHERE platform = $1 AND platform_order_id = ANY($2::text[])`,
        [p, seeded[p].map((o) => o.id)],
      );
      expect(rows).toHaveLength(N);
      const simStatus = new Map((await simOrders(e2e.sys, p)).map((s) => [s.orderId, s.status]));
      for (const r of rows) expect(r.status).toBe(simStatus.get(r.platform_order_id));
    }
    expect(duplicateErpOrders(orders)).toEqual([]);
    // the inbox kept each message once, however often it came
    const dupInbox: { n: string }[] = await e2e.db.query(
      `SELECT count(*)::text AS n FROM (SELECT platform, message_id FROM order_sync.inbox GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    expect(Number(dupInbox[0].n)).toBe(0);
  });

  it('7. bad webhook input gets the platform failure reply and stores nothing', async () => {
    const countInbox = async () => Number((await e2e.db.query(`SELECT count(*)::text AS n FROM order_sync.inbox`))[0].n);
    const countOrders = async () => Number((await e2e.db.query(`SELECT count(*)::text AS n FROM order_sync.orders`))[0].n);
    // let earlier scenarios settle: nothing left in flight from the simulators
    await waitUntil('inbox quiet', async () => {
      const a = await countInbox();
      await new Promise((r) => setTimeout(r, 500));
      return a === (await countInbox());
    }, 15_000);
    const inboxBefore = await countInbox();
    const ordersBefore = await countOrders();

    const orderId = `6${randomInt(1e8, 9e8)}${randomInt(1e8, 9e8)}1`;
    const now = Math.floor(Date.now() / 1000);
    const douyinBody = JSON.stringify([
      { tag: '101', msg_id: `e2e-bad-${orderId}`, data: JSON.stringify({ p_id: orderId, shop_id: DOUYIN_DEMO_SHOP.platformShopId, order_status: 2, pay_time: now, update_time: now }) },
    ]);
    const xhsBody = JSON.stringify([
      { msgTag: 'msg_fulfillment_status_change', data: JSON.stringify({ orderId: `P${orderId}`, updateTime: Date.now() }), sellerId: XHS_DEMO_SHOP.platformShopId },
    ]);
    const big = `[${'"x",'.repeat(300_000)}"x"]`; // ~1.2 MB
    const dy = (body: string, appKey = DOUYIN_DEMO_SHOP.appKey, secret = DOUYIN_DEMO_SHOP.appSecret) => ({
      body,
      headers: { 'content-type': 'application/json', 'app-id': appKey, 'event-sign': douyinPushSign(appKey, Buffer.from(body), secret) },
    });
    const xhs = (body: string, appKey = XHS_DEMO_SHOP.appKey, secret = XHS_DEMO_SHOP.appSecret) => {
      const ts = String(Math.floor(Date.now() / 1000));
      return { body, headers: { 'content-type': 'application/json', 'app-key': appKey, timestamp: ts, sign: xhsPushSign('/webhooks/xiaohongshu', { 'app-key': appKey, timestamp: ts }, secret) } };
    };
    const DY_FAIL = { code: 1, msg: 'fail' };
    const XHS_FAIL = { success: false, error_code: 1, error_msg: 'fail' };
    const cases: { name: string; platform: Platform; req: { body: string; headers: Record<string, string> }; status: number; reply: unknown }[] = [
      { name: 'douyin wrong signature', platform: 'douyin', req: dy(douyinBody, DOUYIN_DEMO_SHOP.appKey, 'not-the-secret'), status: 401, reply: DY_FAIL },
      { name: 'douyin malformed JSON (correctly signed)', platform: 'douyin', req: dy('[{"tag": "101", "data": '), status: 400, reply: DY_FAIL },
      { name: 'douyin oversized body', platform: 'douyin', req: dy(big), status: 413, reply: DY_FAIL },
      { name: 'douyin unknown app key', platform: 'douyin', req: dy(douyinBody, '7999999999999999999', 'whatever'), status: 401, reply: DY_FAIL },
      { name: 'xhs wrong signature', platform: 'xiaohongshu', req: xhs(xhsBody, XHS_DEMO_SHOP.appKey, 'not-the-secret'), status: 401, reply: XHS_FAIL },
      { name: 'xhs malformed JSON (correctly signed)', platform: 'xiaohongshu', req: xhs('{not json'), status: 400, reply: XHS_FAIL },
      { name: 'xhs oversized body', platform: 'xiaohongshu', req: xhs(big), status: 413, reply: XHS_FAIL },
      { name: 'xhs unknown app key', platform: 'xiaohongshu', req: xhs(xhsBody, 'unknown-app-key', 'whatever'), status: 401, reply: XHS_FAIL },
    ];
    const got: Record<string, { status: number; data: unknown }> = {};
    for (const c of cases) {
      const res = await axios.post(`${e2e.sys.urls.gateway}/webhooks/${c.platform}`, c.req.body, {
        headers: c.req.headers,
        validateStatus: () => true,
        transformRequest: (d: unknown) => d,
        maxBodyLength: Infinity,
        timeout: 15_000,
      });
      got[c.name] = { status: res.status, data: res.data };
    }
    expect(got).toEqual(Object.fromEntries(cases.map((c) => [c.name, { status: c.status, data: c.reply }])));

    // a correctly signed push of the same body IS stored: the check above can fail
    const ok = dy(douyinBody);
    const accepted = await axios.post(`${e2e.sys.urls.gateway}/webhooks/douyin`, ok.body, { headers: ok.headers, validateStatus: () => true, transformRequest: (d: unknown) => d });
    expect({ status: accepted.status, data: accepted.data }).toEqual({ status: 200, data: { code: 0, msg: 'success' } });
    const stored: { n: string }[] = await e2e.db.query(`SELECT count(*)::text AS n FROM order_sync.inbox WHERE message_id = $1`, [`e2e-bad-${orderId}`]);
    expect(Number(stored[0].n)).toBe(1);
    expect(await countInbox()).toBe(inboxBefore + 1);
    expect(await countOrders()).toBeGreaterThanOrEqual(ordersBefore);
  });
});
