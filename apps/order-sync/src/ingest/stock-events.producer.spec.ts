import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { QUEUE, type CanonicalOrder } from '@app/contracts';
import { testPrefix } from '@app/testing';
import type { ChangedOrder } from '../orders/order-upsert.repository';
import { STOCK_EVENTS_CHUNK, StockEventsProducer, stockEventsJobId } from './stock-events.producer';

function change(version = 1, status: CanonicalOrder['status'] = 'paid'): ChangedOrder {
  const id = randomUUID();
  const order = {
    platform: 'taobao',
    shopId: randomUUID(),
    platformOrderId: `o-${id}`,
    status,
    createdAt: new Date().toISOString(),
    paidAt: null,
    updatedAt: new Date().toISOString(),
    totalFen: 990,
    buyer: { nickMasked: 'Canary Buyer', receiverMasked: 'Canary Receiver', phoneMasked: '13912345678', addressMasked: 'Canary Road 1' },
    items: [{ lineId: 'l1', platformProductId: 'p1', platformSkuId: 's1', erpSkuCode: 'E1', title: 'Tea', quantity: 2, unitPriceFen: 495, paidFen: 990, discountFen: 0 }],
  } as unknown as CanonicalOrder;
  return { orderId: id, version, order };
}

describe(stockEventsJobId.name, () => {
  it('depends on the set of (order, version), not on their order', () => {
    const [a, b] = [change(), change()];
    expect(stockEventsJobId([a, b])).toBe(stockEventsJobId([b, a]));
    expect(stockEventsJobId([a, b])).not.toBe(stockEventsJobId([a, { ...b, version: 2 }]));
    expect(stockEventsJobId([a])).toMatch(/^apply-order-stock-[0-9a-f]{32}$/);
  });
});

describe(StockEventsProducer.name, () => {
  const prefix = testPrefix('os-stock-events');
  let queue: Queue;
  beforeAll(() => {
    queue = new Queue(QUEUE.STOCK_EVENTS, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('enqueues the changed orders once, however often the same batch is published', async () => {
    const producer = new StockEventsProducer(queue);
    const changes = [change(1), change(3, 'cancelled')];
    expect(await producer.publish(changes)).toBe(true);
    expect(await producer.publish([changes[1], changes[0]])).toBe(true); // a retried batch
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].name).toBe('apply-order-stock');
    expect(jobs[0].id).toBe(stockEventsJobId(changes));
    expect(jobs[0].data).toEqual({
      v: 2,
      orders: changes.map((c) => ({
        platform: c.order.platform,
        shopId: c.order.shopId,
        platformOrderId: c.order.platformOrderId,
        status: c.order.status,
        createdAt: c.order.createdAt,
        paidAt: null,
        updatedAt: c.order.updatedAt,
        items: [{ lineId: 'l1', platformSkuId: 's1', erpSkuCode: 'E1', quantity: 2 }],
      })),
    });
    // ids and SKU lines only: no buyer data (nor money) in Redis
    expect(JSON.stringify(jobs[0].data)).not.toMatch(/Canary|13912345678|totalFen|buyer/);
    await queue.obliterate({ force: true });
  });

  it(`splits large batches into jobs of ${STOCK_EVENTS_CHUNK} orders and skips empty ones`, async () => {
    const producer = new StockEventsProducer(queue);
    expect(await producer.publish([])).toBe(true);
    expect(await queue.count()).toBe(0);
    await producer.publish(Array.from({ length: STOCK_EVENTS_CHUNK * 2 + 5 }, () => change()));
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((j) => j.data.orders.length).sort((a, b) => a - b)).toEqual([5, STOCK_EVENTS_CHUNK, STOCK_EVENTS_CHUNK]);
    await queue.obliterate({ force: true });
  });

  it('logs and returns false when Redis does not answer, without throwing', async () => {
    const dead = new Queue(QUEUE.STOCK_EVENTS, { connection: { host: '127.0.0.1', port: 1, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null }, prefix });
    dead.on('error', () => undefined);
    const producer = new StockEventsProducer(dead);
    const t0 = Date.now();
    expect(await producer.publish([change()])).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(producer.stats.failures).toBe(1);
    await dead.disconnect().catch(() => undefined);
  });
});
