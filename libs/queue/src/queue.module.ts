import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import type { QueueName } from '@app/contracts';
import type { DefaultJobOptions } from 'bullmq';
import { producerConnection, workerConnection } from './connections';
import { InstrumentedWorker } from './instrumented-worker';
import { DEFAULT_JOB_OPTIONS } from './job-options';
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
      imports: [BullModule.forRoot({ connection: workerConnection(opts.redisUrl), prefix: opts.prefix }), DiscoveryModule],
      providers: [{ provide: QUEUE_MODULE_OPTIONS, useValue: opts }, QueueHealthService],
      exports: [QUEUE_MODULE_OPTIONS, QueueHealthService, DiscoveryModule],
    };
  }
}

/**
 * Registers producer queues (injectable with `@InjectQueue(QUEUE.X)`): `enableOfflineQueue: false`
 * connections, the app's prefix, and DEFAULT_JOB_OPTIONS (STYLE rule 6) merged with `jobOptions`.
 * Workers (`@Processor(QUEUE.X)`) on these queues get worker connections via InstrumentedWorker.
 */
export function registerQueues(names: readonly QueueName[], jobOptions: DefaultJobOptions = {}): DynamicModule {
  return BullModule.registerQueueAsync(
    ...names.map((name) => ({
      name,
      useFactory: (o: QueueModuleOptions) => ({
        connection: producerConnection(o.redisUrl),
        prefix: o.prefix,
        defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...jobOptions },
      }),
      inject: [QUEUE_MODULE_OPTIONS],
    })),
  );
}
