import type { DataSource } from 'typeorm';
import { DEFAULT_ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';
import { FakeInboxRepository, FakeOutboxSweepRepository, fakeOrderJobs, type FakeInboxInput } from '../../test/fakes';
import { SweeperService } from './sweeper.service';

describe(SweeperService.name, () => {
  let inbox: FakeInboxRepository;
  let outbox: FakeOutboxSweepRepository;
  let queues: ReturnType<typeof fakeOrderJobs>;
  const opts: OrderSyncOptions = { ...DEFAULT_ORDER_SYNC_OPTIONS, sweepStaleAfterMs: 15_000, sweepBatch: 500, sweepMaxReenqueues: 5, erpPushChunk: 25 };
  // the lease is never taken: the tests call sweep() directly (the LeaderLoop only keeps the DataSource)
  const build = (o: Partial<OrderSyncOptions> = {}): SweeperService => new SweeperService({} as DataSource, inbox, outbox, queues.jobs, { ...opts, ...o });

  beforeEach(() => {
    inbox = new FakeInboxRepository();
    outbox = new FakeOutboxSweepRepository();
    queues = fakeOrderJobs();
  });

  const old = (): Date => new Date(Date.now() - 60_000);
  const staleInbox = (extra: Partial<FakeInboxInput> = {}): string => inbox.add({ platform_order_id: 'A', received_at: old(), ...extra }).id;

  it('re-adds the job of a stale pending inbox row whose job is gone, counting the re-add as an attempt', async () => {
    const id = staleInbox({ attempts: 1 });

    const result = await build().sweep();

    expect(result).toEqual({ inboxReenqueued: 1, inboxGaveUp: 0, outboxReenqueued: 0 });
    expect(queues.orderEvents.jobIds()).toEqual([`inbox-${id}`]);
    expect(inbox.get(id).attempts).toBe(2);
  });

  it.each(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const)('leaves a row alone while its job is %s', async (state) => {
    const id = staleInbox();
    queues.orderEvents.states.set(`inbox-${id}`, state);

    expect((await build().sweep()).inboxReenqueued).toBe(0);
    expect(queues.orderEvents.added).toHaveLength(0);
    expect(inbox.get(id).attempts).toBe(0);
  });

  it('re-adds under a suffixed id when BullMQ still holds the finished job', async () => {
    const id = staleInbox();
    queues.orderEvents.states.set(`inbox-${id}`, 'completed');

    await build().sweep();

    expect(queues.orderEvents.jobIds()).toEqual([expect.stringMatching(new RegExp(`^inbox-${id}-s\\d+$`))]);
  });

  it('does not touch rows younger than sweepStaleAfterMs, nor rows no longer pending', async () => {
    const fresh = inbox.add({ platform_order_id: 'A', received_at: new Date() }).id;
    const processed = staleInbox({ status: 'processed' });

    expect(await build().sweep()).toEqual({ inboxReenqueued: 0, inboxGaveUp: 0, outboxReenqueued: 0 });
    expect(queues.orderEvents.added).toHaveLength(0);
    expect([inbox.get(fresh).attempts, inbox.get(processed).attempts]).toEqual([0, 0]);
  });

  it('gives up after sweepMaxReenqueues attempts, but never on a row waiting out a breaker, a throttle or our quota', async () => {
    const spent = staleInbox({ attempts: 5, last_error: 'retryable: HTTP 502' });
    const breaker = staleInbox({ attempts: 9, last_error: 'circuit_open: breaker open' });
    const quota = staleInbox({ attempts: 9, last_error: 'platform_quota: local QPS limit' });
    const young = staleInbox({ attempts: 4, last_error: 'retryable: HTTP 502' });

    const result = await build().sweep();

    expect(result).toEqual({ inboxReenqueued: 3, inboxGaveUp: 1, outboxReenqueued: 0 });
    expect(inbox.get(spent)).toMatchObject({ status: 'failed', last_error: 'retryable: HTTP 502 (sweeper gave up)', attempts: 5 });
    expect(queues.orderEvents.jobIds()).toEqual([`inbox-${breaker}`, `inbox-${quota}`, `inbox-${young}`]);
    expect(inbox.get(breaker)).toMatchObject({ status: 'pending', attempts: 10 });
  });

  it('reads at most sweepBatch rows, oldest id first', async () => {
    const ids = [staleInbox(), staleInbox(), staleInbox()];

    await build({ sweepBatch: 2 }).sweep();

    expect(queues.orderEvents.jobIds()).toEqual([`inbox-${ids[0]}`, `inbox-${ids[1]}`]);
    expect(inbox.get(ids[2]).attempts).toBe(0);
  });

  it('reports nothing re-enqueued when Redis refuses the jobs (the attempt is still counted; the next sweep tries again)', async () => {
    const id = staleInbox();
    queues.orderEvents.failAdds = true;

    expect((await build().sweep()).inboxReenqueued).toBe(0);
    expect(inbox.get(id).attempts).toBe(1);
  });

  it('re-adds stale outbox deliveries: pushes in one chunk per merchant, interceptions one job each, finished ids suffixed', async () => {
    const m1 = '00000000-0000-4000-8000-0000000000a1';
    const p1 = outbox.add({ kind: 'push', merchant_id: m1 }).id;
    const p2 = outbox.add({ kind: 'push', merchant_id: m1 }).id;
    const p3 = outbox.add({ kind: 'push', merchant_id: null }).id;
    const i1 = outbox.add({ kind: 'intercept', merchant_id: m1 }).id;
    const finished = outbox.add({ kind: 'push', merchant_id: m1 }).id;
    const alive = outbox.add({ kind: 'push', merchant_id: m1 }).id;
    const notDue = outbox.add({ kind: 'push', next_attempt_at: new Date() }).id;
    queues.erpPush.states.set(`push-${finished}`, 'failed');
    queues.erpPush.states.set(`push-${alive}`, 'delayed');

    const result = await build().sweep();

    expect(result.outboxReenqueued).toBe(5);
    const pushes = queues.erpPush.added.map((j) => ({ jobId: j.opts?.jobId, data: j.data }));
    expect(pushes).toEqual([
      { jobId: `push-${p1}`, data: { v: 1, outboxId: p1, outboxIds: [p1, p2], merchantId: m1 } },
      { jobId: `push-${p3}`, data: { v: 1, outboxId: p3, merchantId: null } },
      { jobId: expect.stringMatching(new RegExp(`^push-${finished}-s\\d+$`)), data: { v: 1, outboxId: finished, merchantId: m1 } },
    ]);
    expect(queues.erpIntercept.added).toEqual([{ name: 'intercept-order', data: { v: 1, outboxId: i1, merchantId: m1 }, opts: { jobId: `intercept-${i1}`, priority: 1 } }]);
    expect(JSON.stringify(queues.erpPush.added)).not.toContain(`"outboxId":"${notDue}"`);
  });
});
