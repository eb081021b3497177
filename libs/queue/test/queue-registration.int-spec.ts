import { Module } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import { testPrefix } from '@app/testing';
import type { Queue } from 'bullmq';
import { InstrumentedQueue } from '../src/instrumented-queue';
import { deployedQueues, jobOptionsFor } from '../src/job-options';
import { QueueModule, registerQueues } from '../src/queue.module';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

@Module({ imports: [registerQueues(deployedQueues())] })
class ProducerQueues {}

@Module({ imports: [registerQueues(deployedQueues(), { connection: 'root' })] })
class RootQueues {}

/** registerQueues, both connection kinds: every Queue it builds carries its QUEUE_JOB_OPTIONS entry and an error listener */
describe('registerQueues', () => {
  it.each([
    ['producer', ProducerQueues],
    ['root', RootQueues],
  ] as const)('%s connection: every queue gets its entry of QUEUE_JOB_OPTIONS and an error listener', async (_kind, feature) => {
    const moduleRef = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ redis: REDIS_URL, prefix: testPrefix('qreg') }), feature],
    }).compile();
    try {
      for (const name of deployedQueues()) {
        const q = moduleRef.get<Queue>(getQueueToken(name), { strict: false });
        expect(q).toBeInstanceOf(InstrumentedQueue);
        expect(q.defaultJobOptions).toEqual(jobOptionsFor(name));
        expect(q.listenerCount('error')).toBeGreaterThan(0);
      }
    } finally {
      await moduleRef.close();
    }
  });
});
