import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Processor } from '@nestjs/bullmq';
import { QUEUE, type QueueName } from '@app/contracts';
import { testPrefix } from '@app/testing';
import { handlerProblems, type HandlerMap } from '../src/job-handler-check';
import { JobProcessor, type JobHandlers } from '../src/job-processor';
import { QueueModule, registerQueues } from '../src/queue.module';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

@Processor(QUEUE.ORDER_EVENTS)
class InboxOnly extends JobProcessor {
  readonly handlers: JobHandlers = { 'process-inbox': async () => undefined };
}
@Processor(QUEUE.ORDER_EVENTS)
class InboxBatchOnly extends JobProcessor {
  readonly handlers: JobHandlers = { 'process-inbox-batch': async () => undefined };
}
@Processor(QUEUE.ORDER_EVENTS)
class InboxAgain extends JobProcessor {
  readonly handlers: JobHandlers = { 'process-inbox': async () => undefined };
}
@Processor(QUEUE.ERP_PUSH)
class Push extends JobProcessor {
  readonly handlers: JobHandlers = { 'push-order': async () => undefined };
}

@Module({})
class Host {
  static with(prefix: string, process: QueueName[] | undefined, processors: Type[]): DynamicModule {
    return {
      module: Host,
      imports: [QueueModule.forRoot({ redis: REDIS_URL, prefix, shutdownGraceMs: 500, process }), registerQueues([QUEUE.ORDER_EVENTS, QUEUE.ERP_PUSH])],
      providers: processors,
    };
  }
}

/** boots a real Nest app with real BullMQ workers on the local Redis; returns the start-up error, if any */
async function boot(process: QueueName[] | undefined, processors: Type[]): Promise<Error | null> {
  const ref = await Test.createTestingModule({ imports: [Host.with(testPrefix('jhc'), process, processors)] }).compile();
  const app = ref.createNestApplication();
  try {
    await app.init();
    return null;
  } catch (e) {
    return e as Error;
  } finally {
    await app.close().catch(() => undefined);
  }
}

describe('start-up job handler check (real Nest app, real BullMQ workers)', () => {
  it('starts when every job name of every queue the process works has exactly one handler', async () => {
    expect(await boot([QUEUE.ORDER_EVENTS, QUEUE.ERP_PUSH], [InboxOnly, InboxBatchOnly, Push])).toBeNull();
  });

  it('fails naming the job name that has no handler', async () => {
    const error = await boot([QUEUE.ORDER_EVENTS, QUEUE.ERP_PUSH], [InboxOnly, Push]);
    expect(error?.message).toContain('job process-inbox-batch on {order-events} has no handler in this process');
  });

  it('fails naming a job name handled twice, and both handlers', async () => {
    const error = await boot([QUEUE.ORDER_EVENTS], [InboxOnly, InboxBatchOnly, InboxAgain]);
    expect(error?.message).toContain('job process-inbox on {order-events} has 2 handlers: InboxOnly, InboxAgain');
  });

  it('fails when a processor works a queue the process is not meant to work', async () => {
    const error = await boot([QUEUE.ORDER_EVENTS], [InboxOnly, InboxBatchOnly, Push]);
    expect(error?.message).toContain('a processor works queue {erp-push}, which this process is not meant to work');
  });

  it('without a process list (a harness mounting a few features) only doubles are refused', async () => {
    expect(await boot(undefined, [InboxOnly])).toBeNull();
    expect((await boot(undefined, [InboxOnly, InboxAgain]))?.message).toContain('has 2 handlers');
  });
});

describe('handlerProblems', () => {
  const found = (entries: [string, [string, string[]][]][]): HandlerMap => new Map(entries.map(([q, names]) => [q, new Map(names)]));

  it('names a handler for a job name its queue does not carry, a queue the contracts do not declare, and an opaque processor', () => {
    expect(
      handlerProblems(
        found([
          [QUEUE.ERP_PUSH, [['ship-order', ['Confused']]]],
          ['{nowhere}', []],
        ]),
        undefined,
        ['OldStyle'],
      ),
    ).toEqual([
      'OldStyle does not extend JobProcessor, so its job names cannot be checked',
      'Confused handles ship-order, which queue {erp-push} does not carry',
      'a processor works queue {nowhere}, which libs/contracts does not declare (jobNamesOf)',
    ]);
  });

  it('the real apps: each worker app lists the queues it works and nothing else works them', async () => {
    const { ORDER_SYNC_QUEUES, catalogSyncQueues, COUPON_QUEUES } = await import('@app/contracts');
    const { platformNames } = await import('@app/platforms');
    const { deployedQueues } = await import('../src/job-options');
    const all = [...ORDER_SYNC_QUEUES, ...catalogSyncQueues(platformNames()), ...COUPON_QUEUES];
    expect(new Set(all)).toEqual(new Set(deployedQueues()));
    expect(all.length).toBe(new Set(all).size); // no queue worked by two apps
  });
});
