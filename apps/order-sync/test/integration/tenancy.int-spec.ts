import { DataSource } from 'typeorm';
import { QUEUE, type CanonicalOrder, type OrderStatus, type Platform } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import type { PushMessage } from '@app/platforms';
import { ErpOrdersService } from '../../src/erp-api/erp-orders.service';
import { OrderPollService } from '../../src/poll/order-poll.service';
import { buildOrder } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

const MERCHANT_A = '5b1e0000-0000-4000-8000-00000000b001';
const MERCHANT_B = '5b1e0000-0000-4000-8000-00000000b002';
const SHOP_A = SHOP_ID; // douyin 'dy-shop-1', merchant A
const SHOP_B = '7a4e1f3c-0000-4000-8000-0000000000b2'; // douyin 'dy-shop-2', merchant B
const XHS_A = '7a4e1f3c-0000-4000-8000-0000000000a3';
const XHS_B = '7a4e1f3c-0000-4000-8000-0000000000b3';
const PLATFORM_SHOP: Record<string, string> = { [SHOP_A]: 'dy-shop-1', [SHOP_B]: 'dy-shop-2', [XHS_A]: 'xhs-a', [XHS_B]: 'xhs-b' };

async function registerShops(ds: DataSource): Promise<void> {
  await ds.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'tenant-a'), ($2, 'tenant-b') ON CONFLICT DO NOTHING`, [MERCHANT_A, MERCHANT_B]);
  const shops: [string, string, Platform][] = [
    [SHOP_A, MERCHANT_A, 'douyin'],
    [SHOP_B, MERCHANT_B, 'douyin'],
    [XHS_A, MERCHANT_A, 'xiaohongshu'],
    [XHS_B, MERCHANT_B, 'xiaohongshu'],
  ];
  for (const [id, merchant, platform] of shops) {
    await ds.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, $3, $4, 'shop', 'k', '\\x00')`,
      [id, merchant, platform, PLATFORM_SHOP[id]],
    );
  }
}

interface StoredRow {
  id: string;
  shop_id: string;
  status: OrderStatus;
  version: number;
  platform_updated_at: Date;
  change_seq: string;
}

describe('tenancy: a platform answer for one shop changes nothing of another shop', () => {
  let h: Harness;
  let seq = 0;
  const ds = (): DataSource => h.db.dataSource;

  beforeAll(async () => {
    h = await createHarness();
    h.shops.addShop({ shopId: SHOP_B, platform: 'douyin', platformShopId: 'dy-shop-2', appKey: 'dy-app', appSecret: 'dy-secret' });
    h.shops.addShop({ shopId: XHS_A, platform: 'xiaohongshu', platformShopId: 'xhs-a', appKey: 'xhs-app', appSecret: 'xhs-secret' });
    h.shops.addShop({ shopId: XHS_B, platform: 'xiaohongshu', platformShopId: 'xhs-b', appKey: 'xhs-app', appSecret: 'xhs-secret' });
    await registerShops(ds());
  });
  afterAll(async () => {
    await h.close();
  });

  const iso = (msAgo: number): string => new Date(Date.now() - msAgo).toISOString();

  /** what the (fake) platform answers for `id` from now on, whichever shop asks */
  function answer(platform: Platform, id: string, o: CanonicalOrder): void {
    h.adapters[platform].history.set(id, [o]);
  }

  function order(p: { platform?: Platform; shopId: string; id: string; status: OrderStatus; updatedAt: string; platformShopId?: string | null }): CanonicalOrder {
    const o = buildOrder({ platform: p.platform ?? 'douyin', shopId: p.shopId, id: p.id, status: p.status, updatedAt: p.updatedAt });
    const platformShopId = p.platformShopId === undefined ? PLATFORM_SHOP[p.shopId] : p.platformShopId;
    return platformShopId === null ? o : { ...o, platformShopId };
  }

  /** a push message for `orderId` reaches `shopId`; resolves with its inbox row's final status */
  async function push(platform: Platform, shopId: string, orderId: string, occurredAt: string): Promise<string> {
    seq += 1;
    const message: PushMessage = {
      platform,
      messageId: `tenancy-${seq}-${orderId}`,
      platformShopId: PLATFORM_SHOP[shopId],
      topic: 'order',
      kind: 'order',
      platformOrderId: orderId,
      occurredAt,
      raw: JSON.stringify({ orderId }),
    };
    await h.app.get(InboxWriter).write([{ message, appKey: 'tenancy-app', shopId }]);
    return waitFor(
      async () => {
        const [r] = await ds().query(`SELECT status FROM order_sync.inbox WHERE message_id = $1`, [message.messageId]);
        return r && r.status !== 'pending' ? (r.status as string) : null;
      },
      10_000,
      `inbox ${message.messageId} settled`,
    );
  }

  const row = async (shopId: string, pid: string): Promise<StoredRow | undefined> =>
    (
      await ds().query(
        `SELECT id, shop_id, status, version, platform_updated_at, change_seq::text AS change_seq FROM order_sync.orders
          WHERE shop_id = $1 AND platform_order_id = $2`,
        [shopId, pid],
      )
    )[0];
  const refusals = async (shopId: string, pid: string): Promise<string[]> =>
    (await ds().query(`SELECT reason FROM order_sync.orders_refused WHERE shop_id = $1 AND platform_order_id = $2 ORDER BY id`, [shopId, pid])).map(
      (r: { reason: string }) => r.reason,
    );

  it("refuses an answer that names another platform shop: B's order stays B's, untouched, and nothing is written for A", async () => {
    const pid = 'T-FOREIGN-1';
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'paid', updatedAt: iso(60_000) }));
    expect(await push('douyin', SHOP_B, pid, iso(60_000))).toBe('processed');
    const before = await row(SHOP_B, pid);
    expect(before).toMatchObject({ shop_id: SHOP_B, status: 'paid', version: 1 });

    // A's "platform" answers with B's order (B's platform shop id) in a newer state
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'cancelled', updatedAt: iso(1000) }));
    expect(await push('douyin', SHOP_A, pid, iso(1000))).toBe('processed');
    expect(await row(SHOP_B, pid)).toEqual(before);
    expect(await row(SHOP_A, pid)).toBeUndefined();
    expect(await refusals(SHOP_A, pid)).toEqual(['foreign_shop']);
    expect(await ds().query(`SELECT kind FROM order_sync.outbox WHERE order_id = $1 AND kind = 'intercept'`, [before!.id])).toEqual([]);
  });

  it("an answer claiming A's shop for B's order id lands in A's own row; B's row, shop, status and version stay", async () => {
    const pid = 'T-CLAIM-1';
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'paid', updatedAt: iso(60_000) }));
    await push('douyin', SHOP_B, pid, iso(60_000));
    const before = await row(SHOP_B, pid);
    expect(before).toMatchObject({ shop_id: SHOP_B, status: 'paid', version: 1 });

    answer('douyin', pid, order({ shopId: SHOP_A, id: pid, status: 'cancelled', updatedAt: iso(1000) }));
    expect(await push('douyin', SHOP_A, pid, iso(1000))).toBe('processed');
    expect(await row(SHOP_B, pid)).toEqual(before);
    expect(await row(SHOP_A, pid)).toMatchObject({ shop_id: SHOP_A, status: 'cancelled' });
    // B's ERP still pulls its order, as B's. The pull cursor covers only transactions older than the server's
    // oldest running one (pg_snapshot_xmin is cluster-wide): another database's open transaction on this shared
    // test server can hold it back for a moment, so the order is awaited, not expected on the first read.
    const pulledOfB = async () =>
      (await h.app.get(ErpOrdersService).list(MERCHANT_B, undefined, 1000)).orders
        .filter((o) => o.order.platformOrderId === pid)
        .map((o) => [o.orderId, o.order.shopId, o.order.status]);
    await waitFor(async () => (await pulledOfB()).length > 0, 15_000, "B's order in B's pull");
    expect(await pulledOfB()).toEqual([[before!.id, SHOP_B, 'paid']]);
    // no interception reaches B's ERP for A's "cancelled"
    expect(await ds().query(`SELECT 1 FROM order_sync.outbox WHERE order_id = $1 AND kind = 'intercept'`, [before!.id])).toEqual([]);
  });

  it('refuses far-future platform times (from another shop or the own one): the order is not frozen, later real updates apply', async () => {
    const pid = 'T-FUTURE-1';
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'paid', updatedAt: iso(60_000) }));
    await push('douyin', SHOP_B, pid, iso(60_000));
    const before = await row(SHOP_B, pid);

    // A's answer: B's order id, A's shop id, dated 2099
    answer('douyin', pid, order({ shopId: SHOP_A, id: pid, status: 'shipped', updatedAt: '2099-01-01T00:00:00.000Z' }));
    expect(await push('douyin', SHOP_A, pid, iso(30_000))).toBe('processed');
    expect(await row(SHOP_A, pid)).toBeUndefined();
    expect(await refusals(SHOP_A, pid)).toEqual(['future_time']);
    expect(await row(SHOP_B, pid)).toEqual(before);

    // even B's own platform answering 2099 is refused, not applied
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'shipped', updatedAt: '2099-01-01T00:00:00.000Z' }));
    await push('douyin', SHOP_B, pid, iso(20_000));
    expect(await row(SHOP_B, pid)).toEqual(before);
    expect(await refusals(SHOP_B, pid)).toEqual(['future_time']);

    // the next real version applies
    const now = iso(0);
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'shipped', updatedAt: now }));
    await push('douyin', SHOP_B, pid, now);
    expect(await row(SHOP_B, pid)).toMatchObject({ id: before!.id, shop_id: SHOP_B, status: 'shipped', version: 2 });
  });

  it('a detail answer naming another order than the one asked for is refused, and the message fails', async () => {
    const theirs = 'T-ASKED-B';
    answer('douyin', theirs, order({ shopId: SHOP_B, id: theirs, status: 'paid', updatedAt: iso(60_000) }));
    await push('douyin', SHOP_B, theirs, iso(60_000));
    const before = await row(SHOP_B, theirs);
    // A asks for its own order, the answer is B's order id (with A's shop id)
    answer('douyin', 'T-ASKED-A', order({ shopId: SHOP_A, id: theirs, status: 'cancelled', updatedAt: iso(1000) }));
    expect(await push('douyin', SHOP_A, 'T-ASKED-A', iso(1000))).toBe('failed');
    expect(await row(SHOP_A, theirs)).toBeUndefined();
    expect(await row(SHOP_A, 'T-ASKED-A')).toBeUndefined();
    expect(await refusals(SHOP_A, theirs)).toEqual(['not_asked']);
    expect(await row(SHOP_B, theirs)).toEqual(before);
  });

  it("a poll of A whose list carries B's orders (B's platform shop id) writes nothing of them", async () => {
    const pid = 'T-POLL-1';
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'paid', updatedAt: iso(90_000) }));
    await push('douyin', SHOP_B, pid, iso(90_000));
    const before = await row(SHOP_B, pid);
    answer('douyin', pid, order({ shopId: SHOP_B, id: pid, status: 'cancelled', updatedAt: iso(5000) }));
    await h.app.get(OrderPollService).pollShop(SHOP_A);
    expect(await row(SHOP_B, pid)).toEqual(before);
    expect(await row(SHOP_A, pid)).toBeUndefined();
    expect(await refusals(SHOP_A, pid)).toContain('foreign_shop');
  });

  it("on a platform whose orders carry no shop id (Xiaohongshu), A's answer for B's id is A's own order; B's row stays", async () => {
    const pid = 'P-XHS-T1';
    answer('xiaohongshu', pid, order({ platform: 'xiaohongshu', shopId: XHS_B, id: pid, status: 'paid', updatedAt: iso(60_000), platformShopId: null }));
    await push('xiaohongshu', XHS_B, pid, iso(60_000));
    const before = await row(XHS_B, pid);
    expect(before).toMatchObject({ shop_id: XHS_B, status: 'paid', version: 1 });
    answer('xiaohongshu', pid, order({ platform: 'xiaohongshu', shopId: XHS_A, id: pid, status: 'cancelled', updatedAt: iso(1000), platformShopId: null }));
    await push('xiaohongshu', XHS_A, pid, iso(1000));
    expect(await row(XHS_B, pid)).toEqual(before);
    expect(await row(XHS_A, pid)).toMatchObject({ shop_id: XHS_A, status: 'cancelled' });
  });

  it('keeps buyer name, phone and address out of the tables and the stock jobs, and gives them to the ERP in clear', async () => {
    const pid = 'T-BUYER-1';
    const buyer = { nickMasked: 'Canary Nick QX7', receiverMasked: 'Canary Receiver QX7', phoneMasked: '13977711177', addressMasked: 'Canary Road 77, Hangzhou' };
    answer('douyin', pid, { ...order({ shopId: SHOP_A, id: pid, status: 'paid', updatedAt: iso(10_000) }), buyer });
    await push('douyin', SHOP_A, pid, iso(10_000));
    const stored = await row(SHOP_A, pid);
    await waitFor(
      async () => (await ds().query(`SELECT 1 FROM order_sync.outbox WHERE order_id = $1 AND status = 'delivered'`, [stored!.id])).length > 0,
      10_000,
      'delivered',
    );
    // the raw rows, as a dump would show them
    const dump = JSON.stringify([
      await ds().query(`SELECT o::text AS t FROM order_sync.orders o`),
      await ds().query(`SELECT b::text AS t FROM order_sync.outbox b`),
      await ds().query(`SELECT encode(buyer_enc, 'escape') AS t FROM order_sync.orders`),
    ]);
    for (const needle of ['Canary', 'QX7', '13977711177', 'Hangzhou']) expect(dump).not.toContain(needle);
    const jobs = await h.queue(QUEUE.STOCK_EVENTS).getJobs(['waiting', 'delayed', 'prioritized', 'completed', 'failed']);
    expect(jobs.length).toBeGreaterThan(0);
    expect(JSON.stringify(jobs.map((j) => j.data))).not.toMatch(/Canary|13977711177|buyer/);

    // the ERP gets the buyer in clear: pushed, and through the pull API
    const pushed = h.erp.pushCalls.flat().filter((e) => e.orderId === stored!.id);
    expect(pushed.map((e) => e.order.buyer)).toEqual([buyer]);
    // awaited, not read once: the pull cursor stops at the cluster-wide snapshot xmin (see the claim test above)
    const pulled = await waitFor(async () => {
      const page = await h.app.get(ErpOrdersService).list(MERCHANT_A, undefined, 1000);
      return page.orders.some((o) => o.orderId === stored!.id) ? page : null;
    }, 15_000, "A's order in A's pull");
    expect(pulled.orders.find((o) => o.orderId === stored!.id)?.order.buyer).toEqual(buyer);
    // only merchant A's pull shows it
    const theirPull = await h.app.get(ErpOrdersService).list(MERCHANT_B, undefined, 1000);
    expect(theirPull.orders.map((o) => o.orderId)).not.toContain(stored!.id);
  });
});
