import { ALL_QUEUES } from '@app/contracts';
import { QUEUE_JOB_OPTIONS, jobOptionsFor } from './job-options';

type Keep = { age?: number; count?: number };

describe('QUEUE_JOB_OPTIONS (every queue, one place)', () => {
  it('has an entry for every queue and nothing else', () => {
    expect(Object.keys(QUEUE_JOB_OPTIONS).sort()).toEqual([...ALL_QUEUES].sort());
  });

  // the list of every queue's options (issue 8 item 5: no queue keeps finished jobs forever)
  it.each(ALL_QUEUES.map((q) => [q, QUEUE_JOB_OPTIONS[q]] as const))('%s: %j', (queue, o) => {
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
