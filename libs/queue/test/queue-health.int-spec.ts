import { QUEUE } from '@app/contracts';
import { testPrefix } from '@app/testing';
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import { enqueue, QueueUnavailableError } from '../src/enqueue';
import { producerConnection, workerConnection } from '../src/connections';
import { QueueHealthService, perMinute } from '../src/queue-health.service';
import { metricsRegistry } from '@app/observability';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(QueueHealthService.name, () => {
  const prefix = testPrefix('qh');
  let sut: QueueHealthService;
  let queue: Queue;
  let events: Queue;

  beforeAll(() => {
    sut = new QueueHealthService({ redis: REDIS_URL, prefix }, [QUEUE.ERP_PUSH, QUEUE.ORDER_EVENTS]);
    sut.onModuleInit();
    queue = new Queue(QUEUE.ERP_PUSH, { connection: producerConnection(REDIS_URL), prefix });
    events = new Queue(QUEUE.ORDER_EVENTS, { connection: producerConnection(REDIS_URL), prefix });
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await events.obliterate({ force: true });
    await Promise.all([queue.close(), events.close()]);
    await sut.onApplicationShutdown();
  });

  it('counts waiting, delayed and failed jobs, the oldest waiting age and per-minute figures', async () => {
    const t0 = Date.now();
    await enqueue(queue, 'push-order', { v: 1, outboxId: 'o1' }, { jobId: 'push-o1-v1' });
    await enqueue(queue, 'push-order', { v: 1, outboxId: 'o2' }, { jobId: 'push-o2-v1' });
    await enqueue(queue, 'push-order', { v: 1, outboxId: 'o3' }, { jobId: 'push-o3-v1', delay: 60_000 });

    // one job on the other queue fails permanently, two complete (worker metrics on, as InstrumentedWorker sets)
    await enqueue(events, 'process-inbox', { v: 1, inboxId: 'bad' }, { jobId: 'inbox-bad', attempts: 1 });
    await enqueue(events, 'process-inbox', { v: 1, inboxId: 'a' }, { jobId: 'inbox-a' });
    await enqueue(events, 'process-inbox', { v: 1, inboxId: 'b' }, { jobId: 'inbox-b' });
    const worker = new Worker(
      QUEUE.ORDER_EVENTS,
      async (job) => {
        if ((job.data as { inboxId: string }).inboxId === 'bad') throw new UnrecoverableError('bad payload');
      },
      { connection: workerConnection(REDIS_URL), prefix, metrics: { maxDataPoints: 60 } },
    );
    try {
      await waitFor(async () => (await sut.one(QUEUE.ORDER_EVENTS)).completedTotal === 2 && (await sut.one(QUEUE.ORDER_EVENTS)).failed === 1);
    } finally {
      await worker.close();
    }

    const push = await sut.one(QUEUE.ERP_PUSH);
    expect(push).toMatchObject({ queue: QUEUE.ERP_PUSH, waiting: 2, active: 0, delayed: 1, failed: 0, paused: false });
    expect(push.oldestWaitingAgeMs).not.toBeNull();
    expect(push.oldestWaitingAgeMs!).toBeGreaterThanOrEqual(0);
    expect(push.oldestWaitingAgeMs!).toBeLessThanOrEqual(Date.now() - t0 + 5);

    const ev = await sut.one(QUEUE.ORDER_EVENTS);
    expect(ev).toMatchObject({ waiting: 0, failed: 1, completedTotal: 2, failedTotal: 1 });
    expect(ev.completedPerMinute).toBeGreaterThan(0);
    expect(ev.failedPerMinute).toBeGreaterThan(0);

    const all = await sut.all();
    expect(all.map((h) => h.queue).sort()).toEqual([QUEUE.ERP_PUSH, QUEUE.ORDER_EVENTS].sort());

    const text = await metricsRegistry.metrics();
    expect(text).toContain(`omnisync_queue_depth{queue="${QUEUE.ERP_PUSH}",state="waiting"} 2`);
    expect(text).toContain(`omnisync_queue_depth{queue="${QUEUE.ERP_PUSH}",state="delayed"} 1`);
    // the age KEDA scales on: the oldest of the two waiting pushes, in seconds; 0 where nothing waits
    const age = Number(new RegExp(`omnisync_queue_oldest_waiting_seconds\\{queue="\\${QUEUE.ERP_PUSH}"\\} (\\S+)`).exec(text)?.[1]);
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThanOrEqual((Date.now() - t0) / 1000 + 0.005);
    expect(text).toContain(`omnisync_queue_oldest_waiting_seconds{queue="${QUEUE.ORDER_EVENTS}"} 0`);
  });

  it('reports the age of a job that waited since its delay elapsed, not since creation', async () => {
    const q = new Queue(QUEUE.STOCK_SYNC, { connection: producerConnection(REDIS_URL), prefix });
    const h = new QueueHealthService({ redis: REDIS_URL, prefix }, [QUEUE.STOCK_SYNC]);
    try {
      await q.add('sync-stock', { v: 1, skuId: 's', shopId: 'x' }, { jobId: 'sync-stock-s-x', timestamp: Date.now() - 5000 });
      const r = await h.one(QUEUE.STOCK_SYNC);
      expect(r.waiting).toBe(1);
      expect(r.oldestWaitingAgeMs!).toBeGreaterThanOrEqual(5000);
      expect(r.oldestWaitingAgeMs!).toBeLessThan(15_000);
    } finally {
      await q.obliterate({ force: true });
      await q.close();
      await h.onApplicationShutdown();
    }
  });
});

describe('queue gauges exported once per deployment (docs/adr/0007)', () => {
  it('lets only the lease holder export them; a stopping holder hands them to the next process scraped', async () => {
    const prefix = testPrefix('qlease');
    // three processes of the deployment (gateway, order-sync, catalog-sync): same Redis, same prefix
    const [a, b, c] = [0, 1, 2].map(() => new QueueHealthService({ redis: REDIS_URL, prefix }, [QUEUE.SHIPMENTS]));
    const q = new Queue(QUEUE.SHIPMENTS, { connection: producerConnection(REDIS_URL), prefix });
    try {
      const first = await Promise.all([a, b, c].map((s) => s.exportsQueueGauges()));
      expect(first.filter(Boolean)).toHaveLength(1);
      // renewed by the holder, refused to the others, scrape after scrape
      const holder = [a, b, c][first.indexOf(true)];
      const others = [a, b, c].filter((s) => s !== holder);
      for (let i = 0; i < 3; i++) {
        expect(await holder.exportsQueueGauges()).toBe(true);
        for (const o of others) expect(await o.exportsQueueGauges()).toBe(false);
      }
      await holder.onApplicationShutdown();
      const next = await Promise.all(others.map((s) => s.exportsQueueGauges()));
      expect(next.filter(Boolean)).toHaveLength(1);
    } finally {
      await q.obliterate({ force: true });
      await q.close();
      for (const s of [a, b, c]) await s.onApplicationShutdown().catch(() => undefined);
    }
  });

  it('exports no queue series from a process that does not hold the lease', async () => {
    const prefix = testPrefix('qlease2');
    const holder = new QueueHealthService({ redis: REDIS_URL, prefix }, [QUEUE.PRICE_TIERS]);
    const standby = new QueueHealthService({ redis: REDIS_URL, prefix }, [QUEUE.PRICE_TIERS]);
    try {
      expect(await holder.exportsQueueGauges()).toBe(true);
      // this process's gauges come from the standby alone (the holder is "another process": its source is not registered)
      standby.onModuleInit();
      const text = await metricsRegistry.metrics();
      expect(text).toContain('# TYPE omnisync_queue_depth gauge');
      expect(text).not.toContain(`omnisync_queue_depth{queue="${QUEUE.PRICE_TIERS}"`);
      await holder.onApplicationShutdown();
      expect(await metricsRegistry.metrics()).toContain(`omnisync_queue_depth{queue="${QUEUE.PRICE_TIERS}",state="waiting"} 0`);
    } finally {
      await standby.onApplicationShutdown();
      await holder.onApplicationShutdown().catch(() => undefined);
    }
  });
});

describe('enqueue', () => {
  it('rejects a job name that does not belong to the queue and ids with ":"', async () => {
    const q = new Queue(QUEUE.ERP_PUSH, { connection: producerConnection(REDIS_URL), prefix: testPrefix('eq') });
    try {
      await expect(enqueue(q, 'ship-order', { v: 1, shipmentId: 'x' }, { jobId: 'ship-x' })).rejects.toThrow(/does not belong/);
      await expect(enqueue(q, 'push-order', { v: 1, outboxId: 'x' }, { jobId: 'a:b' })).rejects.toThrow(/must not contain/);
      await expect(enqueue(q, 'push-order', { v: 1, outboxId: 'x' }, { jobId: '12345' })).rejects.toThrow(/all digits/);
    } finally {
      await q.close();
    }
  });

  it('fails fast with QueueUnavailableError when Redis is unreachable', async () => {
    // no reconnects, so the test leaves no timer behind
    const q = new Queue(QUEUE.ERP_PUSH, { connection: { ...producerConnection('redis://127.0.0.1:1'), retryStrategy: () => null }, prefix: testPrefix('eq') });
    q.on('error', () => undefined);
    const started = Date.now();
    try {
      await expect(enqueue(q, 'push-order', { v: 1, outboxId: 'x' }, { jobId: 'push-x', timeoutMs: 500 })).rejects.toBeInstanceOf(
        QueueUnavailableError,
      );
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await q.close().catch(() => undefined);
    }
  });
});

describe('perMinute', () => {
  const minute = 60_000;
  const base = 1000 * minute;
  it('counts the current minute plus the weighted previous one', () => {
    expect(perMinute({ meta: { count: 10, prevCount: 4, prevTS: base + 1000 }, data: [30] }, base + 30_000)).toBe(6 + 15);
  });
  it('uses the un-materialised window as the previous minute after a quiet rollover', () => {
    expect(perMinute({ meta: { count: 10, prevCount: 4, prevTS: base + 1000 }, data: [30] }, base + minute + 15_000)).toBe(4.5);
  });
  it('is zero after two quiet minutes or without data', () => {
    expect(perMinute({ meta: { count: 10, prevCount: 4, prevTS: base }, data: [] }, base + 3 * minute)).toBe(0);
    expect(perMinute({ meta: { count: 0, prevCount: 0, prevTS: 0 }, data: [] }, base)).toBe(0);
  });
});
