import { UpstreamError, type CanonicalOrder, type OrderPage } from '@app/contracts';
import { PlatformAdapterLookup } from '@app/intake';
import type { PlatformAdapter } from '@app/platforms';
import type { EntityManager } from 'typeorm';
import { FakePlatformAdapter, FakeShopDirectory, FakePollCursorsRepository, buildOrder } from '../../test/fakes';
import type { OrderEventRelays } from '../order-events/order-event-relay';
import { DEFAULT_ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import type { OrderUpsertRepository, UpsertSummary } from '../orders/order-upsert.repository';
import type { DeliveryKind } from '../orders/order-transitions';
import type { OrderJobs } from '../shared/order-jobs';
import type { OrderSyncMetrics } from '../sla/order-sync.metrics';
import { OrderPollService } from './order-poll.service';
import type { PollCadence } from './poll-cadence';
import type { PollMetrics } from './poll.metrics';

const SHOP = '00000000-0000-4000-8000-0000000000a1';
const MIN = 60_000;

/** the one write path, as the poll sees it: every order given is written, one outbox row each (push unless told) */
class StubUpserts {
  readonly applied: CanonicalOrder[][] = [];
  readonly kinds = new Map<string, DeliveryKind>();
  private seq = 0;
  async apply(_em: EntityManager, orders: CanonicalOrder[]): Promise<UpsertSummary> {
    this.applied.push(orders);
    const outbox = orders.map((o) => ({ outboxId: String(++this.seq), kind: this.kinds.get(o.platformOrderId) ?? ('push' as const), merchantId: null, platform: o.platform }));
    return {
      considered: orders.length,
      changed: orders.length,
      rejected: 0,
      outbox,
      changedOrders: orders.map((o) => ({ orderId: `row-${o.platformOrderId}`, version: 1, order: o })),
      statements: 1,
    };
  }
  written(): string[] {
    return this.applied.flat().map((o) => o.platformOrderId);
  }
}

class OneAdapter extends PlatformAdapterLookup {
  constructor(private readonly adapter: PlatformAdapter) {
    super();
  }
  get(): PlatformAdapter {
    return this.adapter;
  }
}

describe(OrderPollService.name, () => {
  let cursors: FakePollCursorsRepository;
  let adapter: FakePlatformAdapter;
  let upserts: StubUpserts;
  let jobs: { addDeliveries: jest.Mock };
  let wake: jest.Mock;
  let cadence: { adjust: jest.Mock; intervalMs: (fast: boolean) => number };
  let foundMetric: jest.Mock;
  let opts: OrderSyncOptions;
  let sut: OrderPollService;
  let now: Date;

  const order = (id: string, updatedAt: Date, status: CanonicalOrder['status'] = 'paid'): CanonicalOrder =>
    buildOrder({ shopId: SHOP, id, status, updatedAt: updatedAt.toISOString() });
  const listCalls = () => (adapter.listOrders as jest.Mock).mock.calls.map(([, q]) => ({ from: q.from.getTime(), to: q.to.getTime(), page: q.page }));

  beforeEach(() => {
    now = new Date(Math.floor(Date.now() / 1000) * 1000);
    cursors = new FakePollCursorsRepository();
    cursors.clock = () => now.getTime();
    adapter = new FakePlatformAdapter('douyin');
    jest.spyOn(adapter, 'listOrders');
    const shops = new FakeShopDirectory();
    shops.addShop({ shopId: SHOP, platform: 'douyin', platformShopId: 'ps-1', appKey: 'k', appSecret: 's' });
    upserts = new StubUpserts();
    jobs = { addDeliveries: jest.fn(async () => true) };
    wake = jest.fn();
    cadence = { adjust: jest.fn(async () => true), intervalMs: (fast) => (fast ? 2000 : 5000) };
    foundMetric = jest.fn();
    opts = { ...DEFAULT_ORDER_SYNC_OPTIONS, detailConcurrency: 1 };
    sut = new OrderPollService(
      cursors,
      shops,
      new OneAdapter(adapter),
      upserts as unknown as OrderUpsertRepository,
      jobs as unknown as OrderJobs,
      { wake } as unknown as OrderEventRelays,
      cadence as unknown as PollCadence,
      { foundByPoll: { inc: foundMetric } } as unknown as PollMetrics,
      opts,
      { normalised: jest.fn() } as unknown as OrderSyncMetrics,
    );
  });

  const cursorAt = (at: Date, extra: Partial<{ deepAt: Date | null; fastUntil: Date | null; startedAt: Date | null }> = {}) =>
    cursors.cursors.set(SHOP, { cursorAt: at, windowFrom: null, windowTo: null, pageState: null, fastUntil: null, deepAt: now, startedAt: new Date(now.getTime() - 60 * MIN), ...extra });

  describe('windows and the cursor', () => {
    it('first run: reads pollInitialLookbackMs back in windows no longer than the adapter allows, the cursor moving with each', async () => {
      const outcome = await sut.pollShop(SHOP, now);

      expect(outcome).toEqual({ kind: 'done' });
      const t = now.getTime();
      const first = t - opts.pollInitialLookbackMs;
      const win = adapter.capabilities.orderListMaxWindowSec * 1000;
      expect(listCalls()).toEqual([
        { from: first, to: first + win, page: null },
        // the next window starts the (small) overlap before the cursor: the first run was the deep one
        { from: first + win - opts.pollOverlapMs, to: first + 2 * win - opts.pollOverlapMs, page: null },
        { from: first + 2 * win - 2 * opts.pollOverlapMs, to: t, page: null },
      ]);
      expect(cursors.saved.map((c) => c.cursorAt.getTime())).toEqual([first + win, first + 2 * win - opts.pollOverlapMs, t]);
      expect(cursors.cursors.get(SHOP)).toEqual({ cursorAt: now, windowFrom: null, windowTo: null, pageState: null, fastUntil: null, deepAt: now, startedAt: now });
    });

    it('does not list anything when the cursor is within a second of now (caught up)', async () => {
      cursorAt(new Date(now.getTime() - 500));

      expect(await sut.pollShop(SHOP, now)).toEqual({ kind: 'done' });
      expect(adapter.listOrders).not.toHaveBeenCalled();
      expect(cursors.transactions).toBe(0);
    });

    it('re-reads pollOverlapMs before the cursor, and pollDeepOverlapMs once pollDeepEveryMs has passed since the last deep run', async () => {
      const at = new Date(now.getTime() - 4000);
      cursorAt(at, { deepAt: new Date(now.getTime() - 10_000) });
      await sut.pollShop(SHOP, now);
      expect(listCalls()[0].from).toBe(at.getTime() - opts.pollOverlapMs);
      expect(cursors.saved[0].deepAt).toBeNull(); // not deep: the stored deep_at is kept
      expect(cursors.cursors.get(SHOP)?.deepAt?.getTime()).toBe(now.getTime() - 10_000);

      (adapter.listOrders as jest.Mock).mockClear();
      cursorAt(at, { deepAt: new Date(now.getTime() - opts.pollDeepEveryMs) });
      await sut.pollShop(SHOP, now);
      expect(listCalls()[0].from).toBe(at.getTime() - opts.pollDeepOverlapMs);
      expect(cursors.cursors.get(SHOP)?.deepAt).toEqual(now);
    });

    it('keeps the window and the cursor while a window has more pages, and resumes at the page the platform returned', async () => {
      opts.pollMaxPagesPerRun = 1;
      const at = new Date(now.getTime() - 10_000);
      cursorAt(at);
      for (let i = 0; i < 150; i++) adapter.put(order(`P${String(i).padStart(3, '0')}`, new Date(now.getTime() - 5000)));

      await sut.pollShop(SHOP, now);
      const from = new Date(at.getTime() - opts.pollOverlapMs);
      expect(cursors.cursors.get(SHOP)).toMatchObject({ cursorAt: at, windowFrom: from, windowTo: now, pageState: '100' });
      expect(upserts.written()).toHaveLength(100);

      await sut.pollShop(SHOP, new Date(now.getTime() + 1000));
      expect(listCalls()[1]).toEqual({ from: from.getTime(), to: now.getTime(), page: '100' });
      expect(cursors.cursors.get(SHOP)).toMatchObject({ cursorAt: now, windowFrom: null, windowTo: null, pageState: null });
      expect(upserts.written()).toHaveLength(150);
    });

    it('polls nothing for a shop that is gone', async () => {
      expect(await sut.pollShop('00000000-0000-4000-8000-0000000000ff', now)).toEqual({ kind: 'done' });
      expect(adapter.listOrders).not.toHaveBeenCalled();
    });
  });

  describe('what a page writes', () => {
    it('writes listed orders newer than stored, and leaves an order announced by a waiting push to the ingest', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      const t = new Date(now.getTime() - 5000);
      adapter.put(order('SAME', t));
      adapter.put(order('NEWER', t));
      adapter.put(order('PUSHED', t));
      adapter.put(order('PUSHED-OLDER', t));
      adapter.put(order('NEW', t));
      cursors.putStored(SHOP, 'SAME', t.toISOString(), 20);
      cursors.putStored(SHOP, 'NEWER', new Date(t.getTime() - 1000).toISOString(), 20);
      cursors.putPush(SHOP, 'PUSHED', new Date(t.getTime() - 500).toISOString()); // within the 1 s of a whole-second platform
      cursors.putPush(SHOP, 'PUSHED-OLDER', new Date(t.getTime() - 5000).toISOString()); // announced an earlier version

      await sut.pollShop(SHOP, now);

      expect(upserts.written().sort()).toEqual(['NEW', 'NEWER', 'PUSHED-OLDER']);
      expect(jobs.addDeliveries).toHaveBeenCalledTimes(1);
      expect(jobs.addDeliveries.mock.calls[0][0]).toHaveLength(3);
      expect(wake).toHaveBeenCalledTimes(1);
    });

    it('asks for details only of partial orders whose stored version is older and no waiting push announced', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      const t = new Date(now.getTime() - 5000);
      for (const id of ['D-CURRENT', 'D-STALE', 'D-PUSHED', 'D-NEW']) adapter.put(order(id, t));
      cursors.putStored(SHOP, 'D-CURRENT', t.toISOString(), 20);
      cursors.putStored(SHOP, 'D-STALE', new Date(t.getTime() - 60_000).toISOString(), 20);
      cursors.putPush(SHOP, 'D-PUSHED', t.toISOString());
      const ids = ['D-CURRENT', 'D-STALE', 'D-PUSHED', 'D-NEW'];
      (adapter.listOrders as jest.Mock).mockResolvedValueOnce({
        orders: [],
        partialIds: ids,
        partialUpdatedAt: Object.fromEntries(ids.map((id) => [id, t.toISOString()])),
        hasMore: false,
        next: null,
      } satisfies OrderPage);

      await sut.pollShop(SHOP, now);

      expect(adapter.getOrderLog.sort()).toEqual(['D-NEW', 'D-STALE']);
      expect(upserts.written().sort()).toEqual(['D-NEW', 'D-STALE']);
    });

    it('records refused orders (another platform\'s) with the page and applies the rest', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      const t = new Date(now.getTime() - 5000);
      adapter.put(order('OK', t));
      adapter.put({ ...order('FOREIGN', t), platform: 'taobao' });

      await sut.pollShop(SHOP, now);

      expect(upserts.written()).toEqual(['OK']);
      expect(cursors.refusals).toEqual([{ shopId: SHOP, refused: [{ platformOrderId: 'FOREIGN', reason: 'foreign_shop', updatedAt: t.toISOString() }] }]);
    });
  });

  describe('found by poll and the cadence', () => {
    it('counts the orders no push announced as found by poll and holds the shop at the fast cadence for pollFastHoldMs', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      const t = new Date(now.getTime() - 5000);
      adapter.put(order('LOST-1', t));
      adapter.put(order('LOST-2', t));
      adapter.put(order('ANNOUNCED', t));
      upserts.kinds.set('ANNOUNCED', 'push');
      cursors.announcedOutboxIds.add('3'); // ANNOUNCED (listed third): the database finds its push

      await sut.pollShop(SHOP, now);

      expect(cursors.markCalls).toEqual([{ pushes: ['1', '2', '3'], pollingSince: cursors.cursors.get(SHOP)!.startedAt }]);
      expect(foundMetric).toHaveBeenCalledWith({ platform: 'douyin' }, 2);
      expect(cursors.cursors.get(SHOP)?.fastUntil?.getTime()).toBe(now.getTime() + opts.pollFastHoldMs);
      expect(cadence.adjust).toHaveBeenCalledWith(SHOP, true);
    });

    it('offers only push deliveries to the found-by-poll mark (an intercept is no first delivery)', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      const t = new Date(now.getTime() - 5000);
      adapter.put(order('A', t));
      adapter.put(order('B', t, 'refunding'));
      upserts.kinds.set('B', 'intercept');

      await sut.pollShop(SHOP, now);

      expect(cursors.markCalls.map((c) => c.pushes)).toEqual([['1']]);
      expect(foundMetric).toHaveBeenCalledWith({ platform: 'douyin' }, 1);
    });

    it('orders paid before polling began are judged from the cursor\'s start, a first run from now', async () => {
      adapter.put(order('FIRST', new Date(now.getTime() - 5000)));
      await sut.pollShop(SHOP, now);
      expect(cursors.markCalls[0].pollingSince).toEqual(now);
    });

    it('neither reads nor writes the cadence of a shop at the normal cadence whose poll found nothing new', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      const hold = jest.spyOn(cursors, 'holdFast');

      await sut.pollShop(SHOP, now);

      expect(hold).not.toHaveBeenCalled();
      expect(cadence.adjust).not.toHaveBeenCalled();
      expect(foundMetric).not.toHaveBeenCalled();
    });

    it('keeps the fast cadence until its hold has passed, then returns to the normal one', async () => {
      cursorAt(new Date(now.getTime() - 10_000), { fastUntil: new Date(now.getTime() + 5000) });
      await sut.pollShop(SHOP, now);
      expect(cadence.adjust).toHaveBeenLastCalledWith(SHOP, true);
      expect(cursors.cursors.get(SHOP)?.fastUntil?.getTime()).toBe(now.getTime() + 5000);

      cursorAt(new Date(now.getTime() - 10_000), { fastUntil: new Date(now.getTime() - 1) });
      await sut.pollShop(SHOP, now);
      expect(cadence.adjust).toHaveBeenLastCalledWith(SHOP, false);
      expect(cursors.cursors.get(SHOP)?.fastUntil).toBeNull();
    });
  });

  describe('errors', () => {
    it('a throttled list call waits the platform\'s hint, the cursor unmoved (it is the retry clock)', async () => {
      const at = new Date(now.getTime() - 10_000);
      cursorAt(at);
      adapter.failWith = new UpstreamError('douyin', 'rate_limited', 'slow down', { retryAfterMs: 1500 });

      const outcome = await sut.pollShop(SHOP, now);

      expect(outcome).toMatchObject({ kind: 'delay', ms: 1500 });
      expect(cursors.cursors.get(SHOP)?.cursorAt).toEqual(at);
      expect(cursors.transactions).toBe(0);
    });

    it('a retryable platform failure is delayed on the cursor\'s clock, not retried by the queue', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      adapter.failWith = new UpstreamError('douyin', 'retryable', 'HTTP 502');
      expect(await sut.pollShop(SHOP, now)).toMatchObject({ kind: 'delay', ms: 1000 });
    });

    it('a refusal fails the run, and our own failure is retried by the queue', async () => {
      cursorAt(new Date(now.getTime() - 10_000));
      adapter.failWith = new UpstreamError('douyin', 'invalid_request', 'bad window');
      expect(await sut.pollShop(SHOP, now)).toMatchObject({ kind: 'failed' });

      adapter.failWith = null;
      (adapter.listOrders as jest.Mock).mockRejectedValueOnce(new Error('socket hang up'));
      expect(await sut.pollShop(SHOP, now)).toMatchObject({ kind: 'retry' });
    });

    it('detail calls throttled: keeps the orders fetched without moving the cursor, and waits', async () => {
      const at = new Date(now.getTime() - 10_000);
      cursorAt(at);
      const t = new Date(now.getTime() - 5000);
      adapter.put(order('X1', t));
      adapter.put(order('X2', t));
      adapter.getOrderQuota = 1; // the second detail call hits our own quota limiter (retryAfterMs 500)
      (adapter.listOrders as jest.Mock).mockResolvedValueOnce({ orders: [], partialIds: ['X1', 'X2'], hasMore: false, next: null } satisfies OrderPage);

      const outcome = await sut.pollShop(SHOP, now);

      expect(outcome).toMatchObject({ kind: 'delay', ms: 500 });
      expect(upserts.written()).toEqual(['X1']);
      expect(cursors.saved).toEqual([]);
      expect(cursors.cursors.get(SHOP)?.cursorAt).toEqual(at);
      expect(jobs.addDeliveries).toHaveBeenCalledTimes(1);
      expect(cadence.adjust).toHaveBeenCalledWith(SHOP, true); // X1 was found by this poll
    });

    it('a page whose write fails leaves the cursor where it was', async () => {
      const at = new Date(now.getTime() - 10_000);
      cursorAt(at);
      adapter.put(order('W', new Date(now.getTime() - 5000)));
      jest.spyOn(cursors, 'saveCursor').mockRejectedValueOnce(new Error('connection lost'));

      await expect(sut.pollShop(SHOP, now)).rejects.toThrow('connection lost');
      expect(cursors.cursors.get(SHOP)?.cursorAt).toEqual(at);
      expect(cursors.markCalls).toEqual([]);
    });
  });
});
