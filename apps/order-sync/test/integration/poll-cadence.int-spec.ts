import type { OrderListQuery } from '@app/platforms';
import { OrderUpsertRepository } from '../../src/orders/order-upsert.repository';
import { OrderPollService } from '../../src/poll/order-poll.service';
import { pollSchedulerKey } from '../../src/poll/poll-cadence';
import { PollSchedulerService } from '../../src/poll/poll-scheduler.service';
import { DEFAULT_ORDER_SYNC_OPTIONS } from '../../src/order-sync.options';
import { buildOrder } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';
import { QUEUE } from '@app/contracts';

const { pollIntervalMs: NORMAL, pollFastIntervalMs: FAST } = DEFAULT_ORDER_SYNC_OPTIONS;
/** another merchant's shop on the same platform */
const OTHER_SHOP = '7a4e1f3c-0000-4000-8000-0000000000f2';

describe('poll cadence: incremental windows, found-by-poll orders, fast cadence while pushes are lost', () => {
  let h: Harness;
  let poll: OrderPollService;
  const windows: { shopId: string; from: number; to: number }[] = [];

  beforeAll(async () => {
    h = await createHarness();
    h.shops.addShop({ shopId: OTHER_SHOP, platform: 'douyin', platformShopId: 'dy-other', appKey: 'dy-app-2', appSecret: 's2' });
    poll = h.app.get(OrderPollService);
    // the schedulers written here must not run polls behind the test's back
    await h.queue(QUEUE.ORDER_POLL).pause();
    const list = h.adapters.douyin.listOrders.bind(h.adapters.douyin);
    jest.spyOn(h.adapters.douyin, 'listOrders').mockImplementation(async (shop, q: OrderListQuery) => {
      windows.push({ shopId: shop.shopId, from: q.from.getTime(), to: q.to.getTime() });
      // the fake adapter holds one order book: answer each shop with its own orders only
      const page = await list(shop, q);
      return { ...page, orders: page.orders.filter((o) => o.shopId === shop.shopId) };
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const orderRow = async (shopId: string, id: string) =>
    (await h.db.dataSource.query(`SELECT found_by_poll_at FROM order_sync.orders WHERE shop_id = $1 AND platform_order_id = $2`, [shopId, id]))[0] as
      | { found_by_poll_at: Date | null }
      | undefined;
  const every = async (shopId: string) => (await h.queue(QUEUE.ORDER_POLL).getJobScheduler(pollSchedulerKey(shopId)))?.every;
  const paid = (shopId: string, id: string, at: number) =>
    h.adapters.douyin.put(buildOrder({ shopId, id, status: 'paid', updatedAt: new Date(at).toISOString(), paidAt: new Date(at).toISOString() }));

  it('re-reads only the small overlap each run, and the deep overlap once per pollDeepEveryMs', async () => {
    const t0 = Date.now();
    const before = windows.length;
    expect(await poll.pollShop(SHOP_ID, new Date(t0))).toEqual({ kind: 'done' });
    // the first run covers the initial look-back, in windows no longer than the adapter allows
    expect(windows[before].from).toBe(t0 - DEFAULT_ORDER_SYNC_OPTIONS.pollInitialLookbackMs);
    expect(windows.at(-1)?.to).toBe(t0);
    // an order the first run stored is in the next run's overlap: read, compared, not written again
    paid(SHOP_ID, 'SEEN-1', t0 - 3000);
    await poll.pollShop(SHOP_ID, new Date(t0 + 1500));
    const apply = jest.spyOn(h.app.get(OrderUpsertRepository), 'apply');
    await poll.pollShop(SHOP_ID, new Date(t0 + 5000));
    expect(windows.at(-1)).toEqual({ shopId: SHOP_ID, from: t0 + 1500 - DEFAULT_ORDER_SYNC_OPTIONS.pollOverlapMs, to: t0 + 5000 });
    expect(apply.mock.calls.map(([, candidates]) => candidates.length)).toEqual([0]);
    apply.mockRestore();
    const deepAt = t0 + DEFAULT_ORDER_SYNC_OPTIONS.pollDeepEveryMs;
    await poll.pollShop(SHOP_ID, new Date(deepAt));
    expect(windows.at(-1)).toEqual({ shopId: SHOP_ID, from: t0 + 5000 - DEFAULT_ORDER_SYNC_OPTIONS.pollDeepOverlapMs, to: deepAt });
    await poll.pollShop(SHOP_ID, new Date(deepAt + 5000));
    expect(windows.at(-1)?.from).toBe(deepAt - DEFAULT_ORDER_SYNC_OPTIONS.pollOverlapMs);
    // back to wall-clock time for the rest of the file, polling since a minute ago
    await h.db.dataSource.query(
      `UPDATE order_sync.poll_cursors SET cursor_at = now() - interval '3 seconds', deep_at = now(), started_at = now() - interval '1 minute'`,
    );
  });

  it('marks orders no push announced as found by poll and switches the shop to the fast cadence; a pushed one is not marked', async () => {
    await h.app.get(PollSchedulerService).refresh();
    expect(await every(SHOP_ID)).toBe(NORMAL);
    const now = Date.now();
    paid(SHOP_ID, 'LOST-1', now - 2000);
    paid(SHOP_ID, 'PUSHED-1', now - 2000);
    // the push for PUSHED-1 is in the inbox (not processed yet): its push was not lost
    await h.db.dataSource.query(
      `INSERT INTO order_sync.inbox (platform, app_key, message_id, shop_id, platform_shop_id, topic, kind, platform_order_id, occurred_at, raw)
       VALUES ('douyin', 'dy-app', 'm-pushed-1', $1, 'dy-shop-1', 'trade_paid', 'order', 'PUSHED-1', $2, '{}')`,
      [SHOP_ID, new Date(now - 2000).toISOString()],
    );
    // another merchant's push for an order with the same platform id says nothing about this shop's order
    await h.db.dataSource.query(
      `INSERT INTO order_sync.inbox (platform, app_key, message_id, shop_id, platform_shop_id, topic, kind, platform_order_id, occurred_at, raw)
       VALUES ('douyin', 'dy-app-2', 'm-other-lost-1', $1, 'dy-other', 'trade_paid', 'order', 'LOST-1', $2, '{}')`,
      [OTHER_SHOP, new Date(now - 2000).toISOString()],
    );
    expect(await poll.pollShop(SHOP_ID)).toEqual({ kind: 'done' });
    expect((await orderRow(SHOP_ID, 'LOST-1'))?.found_by_poll_at).toBeInstanceOf(Date);
    // PUSHED-1's push is still waiting for the ingest: the poll leaves it to it (no second write)
    expect(await orderRow(SHOP_ID, 'PUSHED-1')).toBeUndefined();
    // once that message is handled, the poll may write the order: not marked, its push was not lost
    await h.db.dataSource.query(`UPDATE order_sync.inbox SET status = 'processed' WHERE message_id = 'm-pushed-1'`);
    await h.db.dataSource.query(`UPDATE order_sync.poll_cursors SET cursor_at = now() - interval '5 seconds' WHERE shop_id = $1`, [SHOP_ID]);
    expect(await poll.pollShop(SHOP_ID)).toEqual({ kind: 'done' });
    expect((await orderRow(SHOP_ID, 'PUSHED-1'))?.found_by_poll_at).toBeNull();
    expect(await every(SHOP_ID)).toBe(FAST);
    const [cur] = await h.db.dataSource.query(`SELECT fast_until > now() AS fast FROM order_sync.poll_cursors WHERE shop_id = $1`, [SHOP_ID]);
    expect(cur.fast).toBe(true);
    // the other merchant's shop keeps its own cadence
    expect(await every(OTHER_SHOP)).toBe(NORMAL);
    // the periodic refresh keeps the fast cadence the cursor records
    await h.app.get(PollSchedulerService).refresh();
    expect(await every(SHOP_ID)).toBe(FAST);
    const counter = await h.registry.getSingleMetric('omnisync_orders_found_by_poll_total')?.get();
    expect(counter?.values.find((v) => v.labels.platform === 'douyin')?.value).toBe(1);
  });

  it('does not mark a later version of an order whose first delivery came from a push, nor orders paid before polling began', async () => {
    const now = Date.now();
    // PUSHED-1 ships; the poll finds the new version (its first delivery was not the poll's)
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'PUSHED-1', status: 'shipped', updatedAt: new Date(now - 1000).toISOString(), paidAt: new Date(now - 2000).toISOString() }));
    await poll.pollShop(SHOP_ID);
    expect((await orderRow(SHOP_ID, 'PUSHED-1'))?.found_by_poll_at).toBeNull();
    // the other shop's first poll backfills orders paid before its polling began: never pushes of ours to lose
    paid(OTHER_SHOP, 'OLD-1', now - 60_000);
    await poll.pollShop(OTHER_SHOP);
    expect((await orderRow(OTHER_SHOP, 'OLD-1'))?.found_by_poll_at).toBeNull();
    expect(await every(OTHER_SHOP)).toBe(NORMAL);
  });

  it('returns to the normal cadence once the fast hold has passed without such orders', async () => {
    expect(await every(SHOP_ID)).toBe(FAST);
    // still inside the hold: stays fast although this run found nothing new
    await h.db.dataSource.query(`UPDATE order_sync.poll_cursors SET cursor_at = now() - interval '3 seconds' WHERE shop_id = $1`, [SHOP_ID]);
    await poll.pollShop(SHOP_ID);
    expect(await every(SHOP_ID)).toBe(FAST);
    await h.db.dataSource.query(
      `UPDATE order_sync.poll_cursors SET fast_until = now() - interval '1 second', cursor_at = now() - interval '3 seconds' WHERE shop_id = $1`,
      [SHOP_ID],
    );
    await poll.pollShop(SHOP_ID);
    expect(await every(SHOP_ID)).toBe(NORMAL);
    const [cur] = await h.db.dataSource.query(`SELECT fast_until FROM order_sync.poll_cursors WHERE shop_id = $1`, [SHOP_ID]);
    expect(cur.fast_until).toBeNull();
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE status = 'pending'`)).length === 0, 15_000, 'deliveries done');
  });

  it('reconcile rewrites the schedulers only when the active shops or the schedulers in Redis changed', async () => {
    const scheduler = h.app.get(PollSchedulerService);
    const queue = h.queue(QUEUE.ORDER_POLL);
    expect(await scheduler.reconcile()).toEqual({ refreshed: true, shops: 2 });
    expect(await scheduler.reconcile()).toEqual({ refreshed: false, shops: 2 });
    // Redis lost a scheduler (a wipe): the count differs, all are written again
    await queue.removeJobScheduler(pollSchedulerKey(OTHER_SHOP));
    expect(await scheduler.reconcile()).toEqual({ refreshed: true, shops: 2 });
    expect(await every(OTHER_SHOP)).toBe(NORMAL);
    // a shop removed: its scheduler goes
    h.shops.shops.splice(h.shops.shops.findIndex((s) => s.shopId === OTHER_SHOP), 1);
    expect(await scheduler.reconcile()).toEqual({ refreshed: true, shops: 1 });
    expect(await every(OTHER_SHOP)).toBeUndefined();
    expect(await every(SHOP_ID)).toBe(NORMAL);
    // the periodic rewrite is due after pollSchedulerRefreshMs even without a change
    expect(await scheduler.reconcile(Date.now() + DEFAULT_ORDER_SYNC_OPTIONS.pollSchedulerRefreshMs)).toEqual({ refreshed: true, shops: 1 });
  });
  it('leaves the detail read of an order whose push is waiting to the ingest (quota), but not one stuck for a minute', async () => {
    const now = Date.now();
    const at = new Date(now - 2000).toISOString();
    for (const id of ['PX-PUSHED', 'PX-STUCK', 'PX-LOST']) paid(SHOP_ID, id, now - 2000);
    await h.db.dataSource.query(
      `INSERT INTO order_sync.inbox (platform, app_key, message_id, shop_id, platform_shop_id, topic, kind, platform_order_id, occurred_at, received_at, raw)
       VALUES ('douyin', 'dy-app', 'm-px-pushed', $1, 'dy-shop-1', 'trade_paid', 'order', 'PX-PUSHED', $2, now(), '{}'),
              ('douyin', 'dy-app', 'm-px-stuck', $1, 'dy-shop-1', 'trade_paid', 'order', 'PX-STUCK', $2, now() - interval '2 minutes', '{}')`,
      [SHOP_ID, at],
    );
    // a list without lines (Xiaohongshu's): ids and update times only, details to be read
    (h.adapters.douyin.listOrders as jest.Mock).mockImplementationOnce(async () => ({
      orders: [],
      partialIds: ['PX-PUSHED', 'PX-STUCK', 'PX-LOST'],
      partialUpdatedAt: { 'PX-PUSHED': at, 'PX-STUCK': at, 'PX-LOST': at },
      hasMore: false,
      next: null,
    }));
    h.adapters.douyin.getOrderLog.length = 0;
    await h.db.dataSource.query(`UPDATE order_sync.poll_cursors SET cursor_at = now() - interval '5 seconds' WHERE shop_id = $1`, [SHOP_ID]);
    await poll.pollShop(SHOP_ID);
    expect([...h.adapters.douyin.getOrderLog].sort()).toEqual(['PX-LOST', 'PX-STUCK']);
  });
});

describe('poll scheduler: shops registered after boot', () => {
  const NEW_SHOP = '7a4e1f3c-0000-4000-8000-0000000000f3';
  let h: Harness;
  beforeAll(async () => {
    // the loops run as in production (default check interval); only SHOP_ID exists at boot
    h = await createHarness({ options: { backgroundLoops: true } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('starts polling a shop registered after boot within seconds, and drops it once removed', async () => {
    const queue = h.queue(QUEUE.ORDER_POLL);
    await waitFor(async () => (await queue.getJobSchedulersCount()) === 1, 10_000, 'the boot-time shop scheduled');
    const addedAt = Date.now();
    h.shops.addShop({ shopId: NEW_SHOP, platform: 'douyin', platformShopId: 'dy-new', appKey: 'dy-app', appSecret: 'dy-secret' });
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.poll_cursors WHERE shop_id = $1`, [NEW_SHOP])).length === 1, 10_000, 'first poll of the new shop');
    const firstPollMs = Date.now() - addedAt;
    console.log(`new shop: first poll ${firstPollMs} ms after registration (shops checked every ${DEFAULT_ORDER_SYNC_OPTIONS.pollShopCheckMs} ms)`);
    expect(firstPollMs).toBeLessThan(DEFAULT_ORDER_SYNC_OPTIONS.pollShopCheckMs + 3000);
    expect((await queue.getJobScheduler(pollSchedulerKey(NEW_SHOP)))?.every).toBe(NORMAL);

    h.shops.shops.splice(h.shops.shops.findIndex((s) => s.shopId === NEW_SHOP), 1);
    await waitFor(async () => (await queue.getJobScheduler(pollSchedulerKey(NEW_SHOP))) === undefined, 10_000, 'scheduler removed');
    expect(await queue.getJobSchedulersCount()).toBe(1);
  });
});
