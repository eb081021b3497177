import { Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { testPrefix } from '@app/testing';
import { Queue, type Job } from 'bullmq';
import { InstrumentedWorker } from '../src/instrumented-worker';
import { QueueModule, registerQueues } from '../src/queue.module';
import { WorkerDrain } from '../src/worker-drain';
import { JobProcessor, type JobHandlers } from '../src/job-processor';
import { metricsRegistry } from '@app/observability';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A job that runs until the test releases it. */
class Gate {
  started!: Promise<void>;
  private onStart!: () => void;
  release!: () => void;
  finished = false;
  private released!: Promise<void>;
  constructor() {
    this.started = new Promise((r) => (this.onStart = r));
    this.released = new Promise((r) => (this.release = r));
  }
  async run(): Promise<void> {
    this.onStart();
    await this.released;
    this.finished = true;
  }
}

@Processor(QUEUE.ERP_PUSH)
class SlowProcessor extends JobProcessor {
  constructor(private readonly gate: Gate) {
    super();
  }
  readonly handlers: JobHandlers = { 'push-order': () => this.gate.run() };
}

class Producer {
  constructor(@InjectQueue(QUEUE.ERP_PUSH) readonly queue: Queue) {}
}

@Module({})
class WorkerHostModule {
  static forRoot(prefix: string, graceMs: number, gate: Gate): DynamicModule {
    return {
      module: WorkerHostModule,
      imports: [QueueModule.forRoot({ redis: REDIS_URL, prefix, shutdownGraceMs: graceMs }), registerQueues([QUEUE.ERP_PUSH])],
      providers: [WorkerDrain, SlowProcessor, Producer, { provide: Gate, useValue: gate }],
    };
  }
}

async function start(graceMs: number) {
  const prefix = testPrefix('gs');
  const gate = new Gate();
  const moduleRef = await Test.createTestingModule({ imports: [WorkerHostModule.forRoot(prefix, graceMs, gate)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const worker = app.get(SlowProcessor).worker;
  const queue = app.get(Producer).queue;
  // an independent client to inspect Redis after the app has closed its own connections
  const inspector = new Queue(QUEUE.ERP_PUSH, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  return { app, worker, queue, gate, inspector };
}

describe('graceful shutdown (WorkerDrain)', () => {
  it('lets the active job finish before closing workers, queues and connections', async () => {
    const { app, worker, queue, gate, inspector } = await start(10_000);
    try {
      expect(worker).toBeInstanceOf(InstrumentedWorker);
      await queue.add('push-order', { v: 1, outboxId: 'o1' }, { jobId: 'push-o1-v1' });
      await gate.started;

      const closing = app.close();
      // the worker stops taking jobs at once: a job added now stays waiting
      await inspector.add('push-order', { v: 1, outboxId: 'o2' }, { jobId: 'push-o2-v1' });
      expect(gate.finished).toBe(false);
      gate.release();
      await closing;

      expect(gate.finished).toBe(true);
      expect(await inspector.getJobState('push-o1-v1')).toBe('completed');
      expect(await inspector.getJobState('push-o2-v1')).toBe('waiting');
      expect(worker.closing).toBeDefined();
      expect(await worker.isRunning()).toBe(false);
      await expect(queue.getJobCounts()).rejects.toThrow(); // the producer connection is closed
      expect(await metricsRegistry.getSingleMetricAsString('omnisync_jobs_processed_total')).toContain(
        `omnisync_jobs_processed_total{queue="${QUEUE.ERP_PUSH}",job="push-order",outcome="completed"}`,
      );
    } finally {
      gate.release();
      await inspector.obliterate({ force: true });
      await inspector.close();
    }
  });

  it('after the grace period force-closes and leaves the unfinished job to stall recovery', async () => {
    const { app, queue, gate, inspector } = await start(300);
    try {
      await queue.add('push-order', { v: 1, outboxId: 'o9' }, { jobId: 'push-o9-v1' });
      await gate.started;
      const t0 = Date.now();
      await app.close();
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(gate.finished).toBe(false);
      // not completed, not failed: still active with its lock, which expires and the stalled checker re-queues it
      expect(await inspector.getJobState('push-o9-v1')).toBe('active');
    } finally {
      gate.release();
      await inspector.obliterate({ force: true });
      await inspector.close();
    }
  });
});
