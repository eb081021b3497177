import { FIXED_QUEUES, QUEUE, publishQueueOf } from '@app/contracts';
import { QUEUE_JOB_OPTIONS, deployedQueues, jobOptionsFor } from './job-options';

type Keep = { age?: number; count?: number };

describe('QUEUE_JOB_OPTIONS (every queue, one place)', () => {
  it('has an entry for every queue and nothing else', () => {
    expect(Object.keys(QUEUE_JOB_OPTIONS).sort()).toEqual([...FIXED_QUEUES].sort());
  });

  it("each platform's publish queue has the publish children's options; the deployment's queues include one per platform", () => {
    expect(jobOptionsFor(publishQueueOf('douyin'))).toBe(QUEUE_JOB_OPTIONS[QUEUE.CATALOG_PUBLISH]);
    expect(deployedQueues()).toEqual(expect.arrayContaining([...FIXED_QUEUES, ...['douyin', 'taobao', 'xiaohongshu', 'kuaishou'].map(publishQueueOf)]));
  });

  // the list of every queue's options (issue 8 item 5: no queue keeps finished jobs forever)
  it.each(FIXED_QUEUES.map((q) => [q, QUEUE_JOB_OPTIONS[q]] as const))('%s: %j', (queue, o) => {
    for (const keep of [o.removeOnComplete, o.removeOnFail] as (Keep | boolean | number | undefined)[]) {
      // `true` (remove at once) is bounded too, but no queue uses it: finished jobs are a console's history
      expect(typeof keep).toBe('object');
      const k = keep as Keep;
      expect(k.count).toBeGreaterThan(0);
      expect(k.count).toBeLessThanOrEqual(10_000);
      expect(k.age).toBeGreaterThan(0);
      expect(k.age).toBeLessThanOrEqual(7 * 24 * 3600);
    }
    expect(o.attempts).toBeGreaterThanOrEqual(1);
    expect(o.backoff).toEqual({ type: 'exponential', delay: 1000 });
    expect(jobOptionsFor(queue)).toBe(o);
  });
});
