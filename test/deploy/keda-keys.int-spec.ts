/**
 * The keys k8s/base/keda.yaml's redis triggers read, against a real Redis: a waiting job of ours is in
 * `<prefix>:{queue}:wait` (what KEDA's redis scaler counts with LLEN), and a prioritized one is not (it waits in
 * the `prioritized` sorted set — why those queues scale on omnisync_queue_depth instead).
 */
import { QUEUE } from '@app/contracts';
import { enqueue, producerConnection } from '@app/queue';
import { testPrefix } from '@app/testing';
import { Queue } from 'bullmq';
import Redis from 'ioredis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('the BullMQ keys KEDA reads', () => {
  const prefix = testPrefix('keda');
  const redis = new Redis(REDIS_URL);
  const queue = new Queue(QUEUE.ERP_INTERCEPT, { connection: producerConnection(REDIS_URL), prefix });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  it('a waiting job is in <prefix>:{queue}:wait; a prioritized one only in <prefix>:{queue}:prioritized', async () => {
    await enqueue(queue, 'intercept-order', { v: 1, outboxId: 'a' }, { jobId: 'intercept-a' });
    expect(await redis.llen(`${prefix}:{erp-intercept}:wait`)).toBe(1);
    await enqueue(queue, 'intercept-order', { v: 1, outboxId: 'b' }, { jobId: 'intercept-b', priority: 1 });
    expect(await redis.llen(`${prefix}:{erp-intercept}:wait`)).toBe(1);
    expect(await redis.zcard(`${prefix}:{erp-intercept}:prioritized`)).toBe(1);
  });
});
