import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { QUEUE, type CouponOrderEvent, type StockOrderEvent } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import { OrderUpsertRepository } from '../../src/orders/order-upsert.repository';
import { CouponEventRelay, StockEventRelay } from '../../src/order-events/order-event-relay';
import { StockEventsRepository } from '../../src/order-events/order-events.repository';
import { DEFAULT_ORDER_SYNC_OPTIONS } from '../../src/order-sync.options';
import { buildOrder, douyinPush } from '../fakes';
import { createHarness, REDIS, SHOP_ID, waitFor, type Harness } from '../harness';

interface EventRow {
  id: string;
  shop_id: string;
  order_id: string;
  version: number;
  event: StockOrderEvent;
  relayed_at: Date | null;
  job_id: string | null;
  relays: number;
}

/**
 * The stock-event outbox (issue 13 item 4, docs/adr/0014) on the real Postgres and Redis: an order change and
 * its stock event commit together; the relay moves events to {stock-events} jobs; the repair confirms the jobs
 * the consumer completed and adds again the ones Redis lost or the consumer failed.
 */
describe('stock events through the outbox', () => {
  let h: Harness;
  const t0 = Date.now() - 60_000;
  const iso = (dt: number): string => new Date(t0 + dt).toISOString();
  beforeAll(async () => {
    h = await createHarness({ options: { stockEventsRepairStaleMs: 0 } });
  });
  afterAll(async () => {
    await h.close();
  });

  const ds = () => h.db.dataSource;
  const rowsOf = (pids: string[]): Promise<EventRow[]> =>
    ds().query(
      `SELECT e.id::text AS id, e.shop_id, e.order_id, e.version, e.event, e.relayed_at, e.job_id, e.relays
         FROM order_sync.stock_events e JOIN order_sync.orders o ON o.id = e.order_id
        WHERE o.platform_order_id = ANY($1) ORDER BY e.id`,
      [pids],
    );
  const apply = (orders: ReturnType<typeof buildOrder>[]) => ds().transaction((em) => h.app.get(OrderUpsertRepository).apply(em, orders));
  const relay = () => h.app.get(StockEventRelay);
  const queue = () => h.queue(QUEUE.STOCK_EVENTS);

  it('a pushed order is stored with its stock event (ids, status, SKU lines; no buyer) and relayed to {stock-events}', async () => {
    const order = buildOrder({ shopId: SHOP_ID, id: 'SE-PUSH-1', status: 'paid', createdAt: iso(0), paidAt: iso(1000), updatedAt: iso(1000) });
    h.adapters.douyin.put(order);
    await h.app.get(InboxWriter).write([{ message: douyinPush('m-se-1', 'SE-PUSH-1', iso(1000)), appKey: 'ak-test', shopId: SHOP_ID }]);
    // the ingest commit wakes the relay (no background loops in this harness)
    const [row] = await waitFor(async () => {
      const rows = await rowsOf(['SE-PUSH-1']);
      return rows.length === 1 && rows[0].relayed_at ? rows : null;
    }, 15_000, 'stock event relayed');
    expect(row.shop_id).toBe(SHOP_ID);
    expect(row.event).toMatchObject({ platform: 'douyin', shopId: SHOP_ID, platformOrderId: 'SE-PUSH-1', status: 'paid' });
    expect(JSON.stringify(row.event)).not.toMatch(/buyer|nick|phone|address/i);
    const job = await queue().getJob(row.job_id!);
    expect(job?.name).toBe('apply-order-stock');
    expect(job?.data).toEqual({ v: 2, orders: [row.event] });
  });

  it('an order change rolled back leaves no stock event; one committed leaves exactly one per version', async () => {
    const paid = buildOrder({ shopId: SHOP_ID, id: 'SE-TX-1', status: 'paid', createdAt: iso(0), paidAt: iso(1000), updatedAt: iso(1000) });
    await expect(
      ds().transaction(async (em) => {
        await h.app.get(OrderUpsertRepository).apply(em, [paid]);
        throw new Error('the transaction fails after the upsert');
      }),
    ).rejects.toThrow('after the upsert');
    expect(await ds().query(`SELECT 1 FROM order_sync.stock_events WHERE event->>'platformOrderId' = 'SE-TX-1'`)).toEqual([]);
    await apply([paid]);
    await apply([paid]); // the same version again: no change, no event
    await apply([{ ...paid, status: 'cancelled', updatedAt: iso(5000) }]);
    const rows = await rowsOf(['SE-TX-1']);
    expect(rows.map((r) => [r.version, r.event.status])).toEqual([
      [1, 'paid'],
      [2, 'cancelled'],
    ]);
  });

  it('Redis not answering: the relay gives up, the rows stay unrelayed, and the next relay moves them', async () => {
    await apply([buildOrder({ shopId: SHOP_ID, id: 'SE-DOWN-1', status: 'paid', createdAt: iso(0), paidAt: iso(1000), updatedAt: iso(1000) })]);
    // a relay whose queue points at a port nothing listens on
    const dead = new Queue(QUEUE.STOCK_EVENTS, { connection: { host: '127.0.0.1', port: 1, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null }, prefix: h.prefix });
    dead.on('error', () => undefined);
    const down = new StockEventRelay(h.app.get(StockEventsRepository), dead, ds(), { ...DEFAULT_ORDER_SYNC_OPTIONS, backgroundLoops: false });
    await down.drain();
    expect(down.stats.failures).toBe(1);
    expect((await rowsOf(['SE-DOWN-1'])).map((r) => r.relayed_at)).toEqual([null]);
    await dead.close().catch(() => undefined);
    await relay().drain();
    const [row] = await rowsOf(['SE-DOWN-1']);
    expect(row.relayed_at).toBeInstanceOf(Date);
    expect((await queue().getJob(row.job_id!))?.data.orders.map((o: StockOrderEvent) => o.platformOrderId)).toContain('SE-DOWN-1');
  });

  it('repair: a completed job confirms its rows and is removed; a job Redis lost is added again; a failed one once more under a new id', async () => {
    await apply(['SE-R-OK', 'SE-R-LOST', 'SE-R-FAIL'].map((id) => buildOrder({ shopId: SHOP_ID, id, status: 'paid', createdAt: iso(0), paidAt: iso(1000), updatedAt: iso(1000) })));
    await relay().drain();
    // every relayed job of this suite so far went into one or more jobs; settle them with a stand-in consumer
    const seen: string[][] = [];
    const worker = new Worker(
      QUEUE.STOCK_EVENTS,
      async (job: Job) => {
        const ids = (job.data.orders as StockOrderEvent[]).map((o) => o.platformOrderId);
        seen.push(ids);
        if (ids.includes('SE-R-FAIL') && !job.id!.includes('-r')) throw new UnrecoverableError('the consumer gives up');
      },
      { connection: REDIS, prefix: h.prefix },
    );
    try {
      const [ok] = await rowsOf(['SE-R-OK']);
      const [lost] = await rowsOf(['SE-R-LOST']);
      const [fail] = await rowsOf(['SE-R-FAIL']);
      // the three rows were relayed together: split them over three jobs the way separate claims would
      await waitFor(async () => (await queue().getJobState(ok.job_id!)) !== 'waiting' && (await queue().getJobState(ok.job_id!)) !== 'active', 10_000, 'first job settled');
      await worker.pause();
      await ds().query(`UPDATE order_sync.stock_events SET job_id = 'se-lost-job' WHERE id = $1`, [lost.id]);
      await ds().query(`UPDATE order_sync.stock_events SET job_id = 'se-fail-job' WHERE id = $1`, [fail.id]);
      await ds().query(`UPDATE order_sync.stock_events SET job_id = 'se-ok-job' WHERE id = $1`, [ok.id]);
      await queue().remove(ok.job_id!);
      const evOf = async (id: string) => (await h.app.get(StockEventsRepository).events([id]))[0];
      await queue().add('apply-order-stock', { v: 2, orders: [await evOf(ok.id)] }, { jobId: 'se-ok-job' });
      await queue().add('apply-order-stock', { v: 2, orders: [await evOf(fail.id)] }, { jobId: 'se-fail-job', attempts: 1 });
      // 'se-lost-job' is never in Redis: what a wipe leaves
      worker.resume();
      await waitFor(async () => (await queue().getJobState('se-ok-job')) === 'completed' && (await queue().getJobState('se-fail-job')) === 'failed', 10_000, 'ok completed, fail failed');

      const first = await relay().repair();
      expect(first.readded).toBeGreaterThanOrEqual(2); // se-lost-job and se-fail-job (and any job of earlier tests nobody consumed)
      // a confirmed row is deleted: its work is done
      const after = async (id: string) => (await ds().query(`SELECT job_id, relays FROM order_sync.stock_events WHERE id = $1`, [id]))[0] ?? 'confirmed';
      expect(await after(ok.id)).toBe('confirmed');
      expect(await queue().getJobState('se-ok-job')).toBe('unknown'); // removed once confirmed
      expect(await after(lost.id)).toEqual({ job_id: 'se-lost-job', relays: 2 });
      expect(await after(fail.id)).toEqual({ job_id: 'se-fail-job-r1', relays: 2 });

      await waitFor(async () => (await queue().getJobState('se-lost-job')) === 'completed' && (await queue().getJobState('se-fail-job-r1')) === 'completed', 10_000, 're-added jobs consumed');
      await relay().repair();
      expect(await after(lost.id)).toBe('confirmed');
      expect(await after(fail.id)).toBe('confirmed');
      expect(seen.filter((ids) => ids.includes('SE-R-LOST') && ids.length === 1)).toHaveLength(1);
      expect(seen.filter((ids) => ids.includes('SE-R-FAIL') && ids.length === 1)).toHaveLength(2); // failed once, then done
      // settled for good: nothing left to repair for these rows
      expect((await relay().repair()).readded).toBe(0);
      // the counters say the same (one process registry: this harness's)
      const readded = Object.fromEntries((await h.registry.getSingleMetric('omnisync_stock_events_readded_total')!.get()).values.map((v) => [v.labels.reason, v.value]));
      expect(readded.lost).toBeGreaterThanOrEqual(1);
      expect(readded.failed).toBe(1);
      const relayed = (await h.registry.getSingleMetric('omnisync_stock_events_relayed_total')!.get()).values[0].value;
      expect(relayed).toBeGreaterThanOrEqual(relay().stats.events);
    } finally {
      await worker.close();
    }
  });

  it('coupon events: an order naming a coupon line, and its refund, commit with the order (no buyer data) and reach {coupon-events}; an order without discounts writes none', async () => {
    const coupon = { kind: 'coupon' as const, bearer: 'shop' as const, amountFen: 500, platformCouponId: null, platformPromotionId: null, platformType: '1001', name: null };
    const withCoupon = { ...buildOrder({ shopId: SHOP_ID, id: 'CE-1', status: 'paid', createdAt: iso(0), paidAt: iso(1000), updatedAt: iso(1000) }), discounts: [coupon] };
    const plain = buildOrder({ shopId: SHOP_ID, id: 'CE-2', status: 'paid', createdAt: iso(0), paidAt: iso(1000), updatedAt: iso(1000) });
    await expect(
      ds().transaction(async (em) => {
        await h.app.get(OrderUpsertRepository).apply(em, [withCoupon]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const couponRows = (): Promise<Array<{ event: CouponOrderEvent; job_id: string | null }>> =>
      ds().query(`SELECT event, job_id FROM order_sync.coupon_events WHERE event->>'platformOrderId' = ANY($1) ORDER BY id`, [['CE-1', 'CE-2']]);
    expect(await couponRows()).toEqual([]);
    await apply([withCoupon, plain]);
    // the refund (whose answer lists no discounts) is an event too: it gives the redemption back
    await apply([{ ...withCoupon, status: 'refunded', refundStatus: 'refunded', discounts: [], updatedAt: iso(9000) }]);
    const rows = await couponRows();
    expect(rows.map((r) => [r.event.platformOrderId, r.event.status, r.event.discounts.length])).toEqual([
      ['CE-1', 'paid', 1],
      ['CE-1', 'refunded', 0],
    ]);
    expect(rows[0].event.discounts[0]).toEqual(coupon);
    expect(JSON.stringify(rows)).not.toMatch(/buyer|nick|phone|address/i);
    await h.app.get(CouponEventRelay).drain();
    const relayed = await couponRows();
    expect(relayed.every((r) => r.job_id?.startsWith('apply-order-coupons-e'))).toBe(true);
    const job = await h.queue(QUEUE.COUPON_EVENTS).getJob(relayed[0].job_id!);
    expect(job?.name).toBe('apply-order-coupons');
    expect((job?.data as { orders: CouponOrderEvent[] }).orders.map((o) => o.platformOrderId)).toContain('CE-1');
  });
});
