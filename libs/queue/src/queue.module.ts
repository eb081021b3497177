import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import type { QueueName } from '@app/contracts';
import { producerConnection, workerConnection } from './connections';
import { InstrumentedWorker } from './instrumented-worker';
import { JobHandlerCheck } from './job-handler-check';
import { InstrumentedQueue } from './instrumented-queue';
import { jobOptionsFor, QUEUE_STREAMS } from './job-options';
import { QueueHealthService } from './queue-health.service';
import { QUEUE_MODULE_OPTIONS, type QueueModuleOptions } from './queue-module.options';

/**
 * BullMQ root for an app: shared worker-style connection and prefix, QueueHealthService, and the
 * options WorkerDrain / registerQueues read. Import once in each app's root module.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(opts: QueueModuleOptions): DynamicModule {
    // @nestjs/bullmq's documented hook for a custom Worker class (process-wide, config-free)
    BullModule.workerClass = InstrumentedWorker;
    return {
      module: QueueModule,
      global: true,
      imports: [BullModule.forRoot({ connection: workerConnection(opts.redis), prefix: opts.prefix }), DiscoveryModule],
      providers: [{ provide: QUEUE_MODULE_OPTIONS, useValue: opts }, QueueHealthService, JobHandlerCheck],
      exports: [QUEUE_MODULE_OPTIONS, QueueHealthService, DiscoveryModule],
    };
  }
}

/**
 * Registers queues (injectable with `@InjectQueue(QUEUE.X)`) with the app's prefix and their entry of
 * QUEUE_JOB_OPTIONS — the one place every queue's attempts, backoff and retention caps are set; no module
 * registers a queue any other way. Connection:
 *  - `producer` (default): `enableOfflineQueue: false`, so an enqueue from an HTTP handler fails at once while
 *    Redis is down (the handler answers 503) instead of hanging;
 *  - `root`: the app's BullModule.forRoot connection (QueueModule: worker-style, waits out a Redis restart),
 *    for the order path's producers whose enqueues are bounded by their own timeouts and backed by the sweeper.
 * Workers (`@Processor(QUEUE.X)`) on these queues get worker connections via InstrumentedWorker.
 */
export function registerQueues(names: readonly QueueName[], opts: { connection?: 'producer' | 'root' } = {}): DynamicModule {
  // @nestjs/bullmq's documented hook for a custom Queue class (read when the providers below are built)
  BullModule.queueClass = InstrumentedQueue;
  if (opts.connection === 'root') {
    return BullModule.registerQueue(...names.map((name) => ({ name, defaultJobOptions: jobOptionsFor(name), streams: QUEUE_STREAMS })));
  }
  return BullModule.registerQueueAsync(
    ...names.map((name) => ({
      name,
      useFactory: (o: QueueModuleOptions) => ({
        connection: producerConnection(o.redis),
        prefix: o.prefix,
        defaultJobOptions: jobOptionsFor(name),
        streams: QUEUE_STREAMS,
      }),
      inject: [QUEUE_MODULE_OPTIONS],
    })),
  );
}
