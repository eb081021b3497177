import { OWN_QUOTA_CODE, UpstreamError, type CanonicalOrder } from '@app/contracts';
import type { PlatformAdapterLookup } from '@app/intake';
import type { UsageMeter } from '@app/resilience';
import { DEFAULT_ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import {
  FakeInboxRepository,
  FakeOrderEventRelays,
  FakeOrderUpsertRepository,
  FakeOrdersRepository,
  FakePlatformAdapter,
  FakeShopDirectory,
  buildOrder,
  fakeOrderJobs,
  type FakeInboxInput,
} from '../../test/fakes';
import { OrderIngestService } from './order-ingest.service';

const SHOP = '00000000-0000-4000-8000-000000000001';

describe(OrderIngestService.name, () => {
  let inbox: FakeInboxRepository;
  let orders: FakeOrdersRepository;
  let upserts: FakeOrderUpsertRepository;
  let adapter: FakePlatformAdapter;
  let queues: ReturnType<typeof fakeOrderJobs>;
  let relays: FakeOrderEventRelays;
  let metered: { key: string; field: string; n: number }[];
  let sut: OrderIngestService;
  /** a minute ago: every time below is in the past, so checkAnswer accepts it */
  const t0 = Date.now() - 60_000;
  const at = (s: number): string => new Date(t0 + s * 1000).toISOString();

  const build = (opts: Partial<OrderSyncOptions> = {}): OrderIngestService => {
    const shops = new FakeShopDirectory();
    shops.addShop({ shopId: SHOP, platform: 'douyin', platformShopId: 'dy-shop-1', appKey: 'k', appSecret: 's' });
    const lookup: PlatformAdapterLookup = { get: () => adapter };
    const meter = { add: (key: string, field: string, n = 1) => metered.push({ key, field, n }) } as unknown as UsageMeter;
    return new OrderIngestService(inbox, orders, shops, lookup, upserts, queues.jobs, relays, { ...DEFAULT_ORDER_SYNC_OPTIONS, ...opts }, new OrderSyncMetrics(), meter);
  };

  beforeEach(() => {
    inbox = new FakeInboxRepository();
    orders = new FakeOrdersRepository();
    upserts = new FakeOrderUpsertRepository(orders);
    adapter = new FakePlatformAdapter('douyin');
    queues = fakeOrderJobs();
    relays = new FakeOrderEventRelays();
    metered = [];
    sut = build();
  });
  afterEach(() => sut.onModuleDestroy());

  /** a message for order `id` changed at second `s`, and the platform's current order */
  const message = (id: string, s: number, extra: Partial<FakeInboxInput> = {}): string => inbox.add({ platform_order_id: id, occurred_at: new Date(at(s)), ...extra }).id;
  const order = (id: string, s: number, status: CanonicalOrder['status'] = 'paid'): CanonicalOrder => {
    const o = buildOrder({ shopId: SHOP, id, status, updatedAt: at(s) });
    adapter.put(o);
    return o;
  };

  it('applies the fetched order, marks the row processed and enqueues its ERP push after the commit', async () => {
    order('A', 10);
    const id = message('A', 10);

    const outcomes = await sut.processBatch([id]);

    expect(outcomes).toEqual([{ kind: 'done' }]);
    expect(inbox.get(id)).toMatchObject({ status: 'processed', attempts: 1, last_error: null });
    expect(orders.find(SHOP, 'A')?.order.updatedAt).toBe(at(10));
    expect(queues.erpPush.jobIds()).toEqual(['push-1']);
    expect(relays.wakes).toBe(1);
  });

  it('leaves rows that are no longer pending alone: no fetch, no transaction', async () => {
    order('A', 10);
    const id = message('A', 10, { status: 'processed', attempts: 1 });

    expect(await sut.processBatch([id])).toEqual([{ kind: 'done' }]);
    expect(adapter.calls.getOrder + adapter.calls.listOrders).toBe(0);
    expect(inbox.transactions).toBe(0);
    expect(inbox.get(id).attempts).toBe(1);
  });

  it('ignores a message of an unknown shop, naming it', async () => {
    const id = message('A', 10, { platform_shop_id: 'dy-nobody' });

    expect(await sut.processBatch([id])).toEqual([{ kind: 'done' }]);
    expect(inbox.get(id)).toMatchObject({ status: 'ignored', attempts: 1, last_error: 'unknown shop douyin/dy-nobody' });
    expect(adapter.calls.getOrder).toBe(0);
  });

  it('needs no fetch when the stored order is at the message time or later; an older stored version is fetched', async () => {
    orders.put(buildOrder({ shopId: SHOP, id: 'A', status: 'paid', updatedAt: at(20) }));
    orders.put(buildOrder({ shopId: SHOP, id: 'B', status: 'paid', updatedAt: at(5) }));
    order('B', 10);
    const current = message('A', 20);
    const stale = message('B', 10);

    await sut.processBatch([current, stale]);

    expect(adapter.getOrderLog).toEqual(['B']);
    expect(inbox.get(current).status).toBe('processed');
    expect(inbox.get(stale).status).toBe('processed');
    expect(upserts.applied.flat().map((o) => o.platformOrderId)).toEqual(['B']);
  });

  it('fails a row for good when the order is gone (not_found), without enqueuing anything', async () => {
    const id = message('GONE', 10);

    const [outcome] = await sut.processBatch([id]);

    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^not_found: /) });
    expect(inbox.get(id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(queues.erpPush.added).toHaveLength(0);
  });

  it('a deferral (breaker open) waits for the hint and counts no attempt; a transient error counts one and backs off', async () => {
    order('A', 10);
    const id = message('A', 10, { attempts: 2, last_error: 'retryable: earlier' });
    adapter.failWith = new UpstreamError('douyin', 'circuit_open', 'breaker open', { retryAfterMs: 700 });

    const [deferred] = await sut.processBatch([id]);

    expect(deferred).toMatchObject({ kind: 'delay', ms: 700, reason: expect.stringMatching(/^circuit_open: /) });
    expect(inbox.get(id)).toMatchObject({ status: 'pending', attempts: 2, processed_at: null, last_error: expect.stringMatching(/^circuit_open: /) });

    adapter.failWith = new UpstreamError('douyin', 'retryable', 'HTTP 502');
    const [retried] = await sut.processBatch([id]);

    // attempt 3 of the row: 1 s * 2^2
    expect(retried).toMatchObject({ kind: 'delay', ms: 4000, reason: expect.stringMatching(/^retryable: /) });
    expect(inbox.get(id)).toMatchObject({ status: 'pending', attempts: 3 });
  });

  it('rows our own quota turned away come back in line, first fetches before refreshes of orders the ERP has', async () => {
    // no event times: no list window, one getOrder each
    for (const id of ['OLD', 'N1', 'N2']) order(id, 10);
    orders.put(buildOrder({ shopId: SHOP, id: 'OLD', status: 'paid', updatedAt: at(1) }), { acked: true });
    const ids = ['OLD', 'N1', 'N2'].map((o) => inbox.add({ platform_order_id: o, occurred_at: null }).id);
    adapter.getOrderQuota = 1; // one call, then the limiter refuses (1/s, retry hint 500 ms)

    const outcomes = await sut.processBatch(ids);

    // read order: first fetches (N1, N2) before the refresh of OLD, which the ERP has
    expect(adapter.getOrderLog).toEqual(['N1', 'N2', 'OLD']);
    expect(outcomes[1]).toEqual({ kind: 'done' });
    // N2 is first in line (hint only), OLD one quota slot after it, and waits as a refresh
    expect(outcomes[2]).toMatchObject({ kind: 'delay', ms: 500 });
    expect(outcomes[0]).toMatchObject({ kind: 'delay', ms: 1500, later: true });
    expect(outcomes[2]).not.toHaveProperty('later');
    // a quota refusal is a deferral: no attempt counted
    expect(inbox.get(ids[0])).toMatchObject({ status: 'pending', attempts: 0, last_error: expect.stringMatching(new RegExp(`^${OWN_QUOTA_CODE}: `)) });
  });

  it('several messages of one shop share one list call over their update times', async () => {
    for (const [id, s] of [['A', 10], ['B', 11], ['C', 12]] as const) order(id, s);
    const ids = [message('A', 10), message('B', 11), message('C', 12)];

    await sut.processBatch(ids);

    expect(adapter.calls).toEqual({ listOrders: 1, getOrder: 0 });
    expect(ids.map((id) => inbox.get(id).status)).toEqual(['processed', 'processed', 'processed']);
  });

  it('an answer naming another order is refused (recorded in the transaction) and its message fails for good', async () => {
    const other = buildOrder({ shopId: SHOP, id: 'OTHER', status: 'paid', updatedAt: at(10) });
    adapter.history.set('ASKED', [other]);
    const id = message('ASKED', 10);

    const [outcome] = await sut.processBatch([id]);

    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('names another order') });
    const refusals = inbox.em.on('order_sync.orders_refused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0].params.slice(2)).toEqual([['OTHER'], ['not_asked'], [at(10)]]);
    expect(orders.find(SHOP, 'OTHER')).toBeUndefined();
  });

  it('meters only first looks at an order, not retries', async () => {
    order('A', 10);
    order('B', 10);
    const first = message('A', 10);
    const retry = message('B', 10, { attempts: 1, last_error: 'retryable: HTTP 502' });

    await sut.processBatch([first, retry]);

    expect(metered).toEqual([{ key: expect.stringContaining(SHOP), field: 'orders', n: 1 }]);
    expect(inbox.get(retry).status).toBe('processed');
  });

  it('reruns the transaction when it was a deadlock victim or lost a first-insert race', async () => {
    order('A', 10);
    const id = message('A', 10);
    inbox.conflicts = 1;
    upserts.failures.push(Object.assign(new Error('duplicate key'), { code: '23505' }));

    expect(await sut.processBatch([id])).toEqual([{ kind: 'done' }]);
    expect(inbox.transactions).toBe(3);
    expect(upserts.applied).toHaveLength(2);
    expect(inbox.get(id)).toMatchObject({ status: 'processed', attempts: 1 });
  });

  it('does not retry other database errors: the group throws and the rows stay as they were', async () => {
    order('A', 10);
    const id = message('A', 10);
    upserts.failures.push(Object.assign(new Error('check violation'), { code: '23514' }));

    await expect(sut.processBatch([id])).rejects.toThrow('check violation');
    expect(inbox.transactions).toBe(1);
    expect(inbox.get(id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('a committed group whose delivery enqueue fails still settles its rows (the sweeper re-adds the jobs)', async () => {
    order('A', 10);
    const id = message('A', 10);
    queues.erpPush.failAdds = true;

    expect(await sut.processBatch([id])).toEqual([{ kind: 'done' }]);
    expect(inbox.get(id).status).toBe('processed');
  });

  it('processInboxBatch hands only the waiting rows to delayed single jobs, refreshes with the low priority', async () => {
    order('A', 10);
    orders.put(buildOrder({ shopId: SHOP, id: 'B', status: 'paid', updatedAt: at(1) }), { acked: true });
    order('B', 10);
    const done = inbox.add({ platform_order_id: 'A', occurred_at: null }).id;
    const waiting = inbox.add({ platform_order_id: 'B', occurred_at: null }).id;
    adapter.getOrderQuota = 1;

    await sut.processInboxBatch([done, waiting]);

    expect(queues.orderEvents.added).toHaveLength(1);
    const [job] = queues.orderEvents.added;
    expect(job.data).toEqual({ v: 1, inboxId: waiting });
    expect(job.opts).toMatchObject({ jobId: expect.stringMatching(new RegExp(`^inbox-${waiting}-w\\d+$`)), delay: 500, priority: 10 });
    expect(inbox.get(done).status).toBe('processed');
  });
});
