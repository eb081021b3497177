import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import type { Worker } from 'bullmq';
import { QUEUE_MODULE_OPTIONS, type QueueModuleOptions } from './queue-module.options';

/**
 * Graceful worker shutdown. Declare it in the app's ROOT module (`providers: [WorkerDrain]`): Nest runs
 * onModuleDestroy root-first, so workers stop before feature modules close breakers and before
 * TypeORM / queues / Redis close (onApplicationShutdown).
 *
 * On shutdown every worker stops taking jobs and active jobs get `shutdownGraceMs` to finish; after
 * that the workers are force-closed and the unfinished jobs are left to BullMQ stall recovery (their
 * locks expire and another worker picks them up).
 */
@Injectable()
export class WorkerDrain implements OnModuleDestroy {
  private readonly logger = new Logger(WorkerDrain.name);

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(QUEUE_MODULE_OPTIONS) private readonly opts: QueueModuleOptions,
  ) {}

  workers(): Worker[] {
    const out: Worker[] = [];
    for (const w of this.discovery.getProviders()) {
      const instance: unknown = w.instance;
      if (instance instanceof WorkerHost) {
        try {
          out.push(instance.worker);
        } catch {
          // processor not registered (manualRegistration): nothing to drain
        }
      }
    }
    return out;
  }

  async onModuleDestroy(): Promise<void> {
    const workers = this.workers();
    if (workers.length === 0) return;
    const grace = this.opts.shutdownGraceMs ?? 25_000;
    let timer: NodeJS.Timeout | undefined;
    // pause(): stop fetching, then wait for the active jobs
    const drained = await Promise.race([
      Promise.all(workers.map((w) => w.pause())).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), grace);
      }),
    ]);
    clearTimeout(timer);
    if (!drained) {
      this.logger.warn({ msg: 'shutdown grace period over; leaving active jobs to stall recovery', graceMs: grace });
    }
    await Promise.all(workers.map((w) => w.close(!drained)));
    this.logger.log({ msg: 'workers closed', workers: workers.length, drained });
  }
}
