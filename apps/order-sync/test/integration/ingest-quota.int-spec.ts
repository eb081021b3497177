import { QUEUE, type CanonicalOrder } from '@app/contracts';
import { OrderIngestService } from '../../src/ingest/order-ingest.service';
import { REFRESH_PRIORITY } from '../../src/shared/order-jobs';
import { buildOrder } from '../fakes';
import { createHarness, SHOP_ID, type Harness } from '../harness';

/**
 * Issue 8 item 4, "spend the quota where it matters": first fetches of new orders before refreshes of orders
 * the ERP already has, refusals by our own quota limiter stored as platform_quota, duplicate messages in
 * concurrent batches read once, and list paging never dearer than one call per order.
 */
describe('ingest under a platform quota', () => {
  let h: Harness;
  let ingest: OrderIngestService;
  beforeAll(async () => {
    h = await createHarness();
    ingest = h.app.get(OrderIngestService);
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => {
    const a = h.adapters.douyin;
    a.capabilities.orderListIncludesDetail = true;
    a.getOrderQuota = null;
    a.getOrderDelayMs = 0;
    a.getOrderLog.length = 0;
  });

  /** inbox rows written directly (no job enqueued): the test drives the ingest itself */
  const inbox = async (msgs: { id: string; orderId: string; at: string }[]): Promise<string[]> => {
    const rows: { id: string }[] = await h.db.dataSource.query(
      `INSERT INTO order_sync.inbox (platform, message_id, platform_shop_id, shop_id, topic, kind, platform_order_id, occurred_at, raw, status, app_key)
       SELECT 'douyin', m, 'dy-shop-1', $1::uuid, '101', 'order', o, t, '{}', 'pending', 'ak-test'
         FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS x(m, o, t)
       RETURNING id::text AS id`,
      [SHOP_ID, msgs.map((m) => m.id), msgs.map((m) => m.orderId), msgs.map((m) => m.at)],
    );
    return rows.map((r) => r.id);
  };
  const put = (id: string, at: string, status: CanonicalOrder['status'] = 'paid') =>
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id, status, updatedAt: at, paidAt: at }));

  it('spends a short quota on first fetches, stores the rest as platform_quota and re-queues refreshes behind new orders', async () => {
    const t0 = Date.now() - 60_000;
    const iso = (dt: number) => new Date(t0 + dt).toISOString();
    h.adapters.douyin.capabilities.orderListIncludesDetail = false; // one detail call per order (as Xiaohongshu)
    // three orders the ERP already has (stored and acked), then changed again (shipped)
    for (const id of ['QD1', 'QD2', 'QD3']) put(id, iso(0));
    await ingest.processBatch(await inbox(['QD1', 'QD2', 'QD3'].map((id) => ({ id: `m-${id}-paid`, orderId: id, at: iso(0) }))));
    await h.db.dataSource.query(`UPDATE order_sync.orders SET erp_acked_at = now() WHERE platform_order_id LIKE 'QD_'`);
    for (const id of ['QD1', 'QD2', 'QD3']) put(id, iso(5000), 'shipped');
    for (const id of ['QN1', 'QN2', 'QN3']) put(id, iso(5000));
    h.adapters.douyin.getOrderLog.length = 0;
    // room for three calls: the refreshes come first in the messages, the new orders must get the calls
    h.adapters.douyin.getOrderQuota = 3;
    const ids = await inbox([
      ...['QD1', 'QD2', 'QD3'].map((id) => ({ id: `m-${id}-shipped`, orderId: id, at: iso(5000) })),
      ...['QN1', 'QN2', 'QN3'].map((id) => ({ id: `m-${id}-paid`, orderId: id, at: iso(5000) })),
    ]);
    await ingest.processInboxBatch(ids);

    expect(h.adapters.douyin.getOrderLog.slice(0, 3).sort()).toEqual(['QN1', 'QN2', 'QN3']);
    const rows: { platform_order_id: string; status: string; last_error: string | null; attempts: number }[] = await h.db.dataSource.query(
      `SELECT platform_order_id, status, last_error, attempts FROM order_sync.inbox WHERE id = ANY($1::bigint[]) ORDER BY platform_order_id`,
      [ids],
    );
    expect(rows.filter((r) => r.platform_order_id.startsWith('QN')).map((r) => r.status)).toEqual(['processed', 'processed', 'processed']);
    const waiting = rows.filter((r) => r.platform_order_id.startsWith('QD'));
    expect(waiting.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    // our own limiter's refusal, told apart from the platform throttling us; no attempt spent
    for (const r of waiting) {
      expect(r.last_error).toMatch(/^platform_quota: douyin: rate_limited: local QPS limit/);
      expect(r.attempts).toBe(0);
    }
    // re-queued one by one, delayed, behind every job without a priority
    const jobs = await h.queue(QUEUE.ORDER_EVENTS).getJobs(['delayed']);
    const mine = jobs.filter((j) => ids.includes((j.data as { inboxId?: string }).inboxId ?? ''));
    expect(mine).toHaveLength(3);
    for (const j of mine) expect(j.opts.priority).toBe(REFRESH_PRIORITY);
    // in line, one quota slot apart (the fake's quota: 1/s), instead of all retrying at the limiter's hint
    expect(mine.map((j) => j.opts.delay).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([500, 1500, 2500]);
    await h.queue(QUEUE.ORDER_EVENTS).drain(true);
  });

  it('reads an order once when duplicate messages are in two batches at the same time', async () => {
    const at = new Date(Date.now() - 30_000).toISOString();
    h.adapters.douyin.capabilities.orderListIncludesDetail = false;
    put('QS1', at);
    h.adapters.douyin.getOrderDelayMs = 300;
    const [a, b] = await inbox([
      { id: 'm-QS1-a', orderId: 'QS1', at },
      { id: 'm-QS1-b', orderId: 'QS1', at }, // the same change, another message id (e.g. a second tag)
    ]);
    const shared = ingest.stats.sharedGets;
    const outcomes = await Promise.all([ingest.processBatch([a]), ingest.processBatch([b])]);
    expect(outcomes).toEqual([[{ kind: 'done' }], [{ kind: 'done' }]]);
    expect(h.adapters.douyin.getOrderLog.filter((id) => id === 'QS1')).toEqual(['QS1']);
    expect(ingest.stats.sharedGets).toBe(shared + 1);
  });

  it('reads again when a message is newer than the read in flight', async () => {
    const t = Date.now();
    h.adapters.douyin.capabilities.orderListIncludesDetail = false;
    put('QS2', new Date(t - 20_000).toISOString());
    h.adapters.douyin.getOrderDelayMs = 300;
    const [a] = await inbox([{ id: 'm-QS2-a', orderId: 'QS2', at: new Date(t - 20_000).toISOString() }]);
    const first = ingest.processBatch([a]);
    await new Promise((r) => setTimeout(r, 50));
    // changed after the first read started: that read may not show it
    put('QS2', new Date().toISOString(), 'shipped');
    const [b] = await inbox([{ id: 'm-QS2-b', orderId: 'QS2', at: new Date().toISOString() }]);
    await Promise.all([first, ingest.processBatch([b])]);
    expect(h.adapters.douyin.getOrderLog.filter((id) => id === 'QS2')).toEqual(['QS2', 'QS2']);
    const [o] = await h.db.dataSource.query(`SELECT status FROM order_sync.orders WHERE platform_order_id = 'QS2'`);
    expect(o.status).toBe('shipped');
  });

  it('never pages the list further than fetching the missing orders by id would cost', async () => {
    const t0 = Date.now() - 120_000;
    // 500 other orders changed in the window, sorted before the three asked for (the fake lists by id)
    for (let i = 0; i < 500; i++) put(`QA${String(i).padStart(3, '0')}`, new Date(t0 + 10_000 + i).toISOString());
    const at = new Date(t0 + 10_500).toISOString();
    for (const id of ['QZ1', 'QZ2', 'QZ3']) put(id, at);
    const calls = { ...h.adapters.douyin.calls };
    const ids = await inbox(['QZ1', 'QZ2', 'QZ3'].map((id) => ({ id: `m-${id}`, orderId: id, at })));
    expect(await ingest.processBatch(ids)).toEqual(ids.map(() => ({ kind: 'done' })));
    const used = h.adapters.douyin.calls.listOrders - calls.listOrders + (h.adapters.douyin.calls.getOrder - calls.getOrder);
    // the first page is the bet (one call more than the orders at worst); no further page that cannot pay
    expect(used).toBeLessThanOrEqual(ids.length + 1);
    const stored = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.orders WHERE platform_order_id LIKE 'QZ_'`);
    expect(stored[0].n).toBe(3);
  });
});
