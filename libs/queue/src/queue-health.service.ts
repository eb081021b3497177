import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { QueueName } from '@app/contracts';
import { addQueueAgeSource, addQueueDepthSource, appMetrics, createRedisClient, type RedisClient } from '@app/observability';
import { Queue } from 'bullmq';
import { reconnectForever } from './connections';
import { deployedQueues, jobOptionsFor, QUEUE_STREAMS } from './job-options';
import { QUEUE_MODULE_OPTIONS, type QueueModuleOptions } from './queue-module.options';

/** Optional override of the queues reported (default deployedQueues(): every queue of the deployment). */
export const QUEUE_HEALTH_QUEUES = Symbol('QUEUE_HEALTH_QUEUES');

/**
 * How long the queue-metrics lease lasts without a scrape renewing it: three 15 s scrape intervals. A holder
 * that stops being scraped (pod gone) hands the gauges to the next process scraped after that.
 */
export const QUEUE_METRICS_LEASE_MS = 45_000;

/** take the lease when free, renew it when ours; 1 = this process exports the queue gauges */
const LEASE_LUA = `
local v = redis.call('GET', KEYS[1])
if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface QueueHealth {
  queue: QueueName;
  /** ready to run: wait list + prioritized (a paused queue keeps its jobs in wait) */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  paused: boolean;
  /** ms since the oldest waiting job became ready (created + delay); null when nothing waits */
  oldestWaitingAgeMs: number | null;
  /** trailing-60 s estimate from BullMQ worker metrics (see README note in queue-health.service.ts) */
  completedPerMinute: number;
  failedPerMinute: number;
  /** all-time totals recorded by BullMQ worker metrics */
  completedTotal: number;
  failedTotal: number;
}

/**
 * Queue figures for ops (GET /ops/queues) and the omnisync_queue_depth / omnisync_queue_oldest_waiting_seconds
 * gauges. The queues are the deployment's, not a process's: every app holds this service, so the gauges are
 * exported by ONE process only — the holder of a lease in Redis (`<prefix>:metrics:queue-exporter`, taken or
 * renewed at each scrape, QUEUE_METRICS_LEASE_MS) — and `sum()` counts each job once (docs/adr/0007). The
 * other processes export the metric's HELP and TYPE with no series.
 *
 * Per-minute rates come from BullMQ's own worker metrics (`metrics: { maxDataPoints }`, switched on for
 * every worker by InstrumentedWorker): `meta.count/prevCount/prevTS` give the jobs finished in the
 * current minute, `data[0]` the previous full minute; the rate is the sliding-window estimate
 * current + previous × (fraction of the minute not yet elapsed). BullMQ materialises a minute's data
 * point only when a later job finishes, which this computation accounts for.
 */
@Injectable()
export class QueueHealthService implements OnModuleInit, OnApplicationShutdown {
  private readonly redis: RedisClient;
  private readonly queues: Map<QueueName, Queue>;
  private unregister: (() => void)[] = [];
  /** one read of every queue serves both gauges of a scrape (they are collected at the same time) */
  private scrape: Promise<QueueHealth[]> | null = null;
  /** this process's claim on the queue-metrics lease */
  private readonly exporterId = `${hostname()}-${process.pid}-${randomUUID()}`;
  private readonly leaseKey: string;
  /** the lease call of the scrape in progress (both queue gauges of a scrape share it) */
  private lease: Promise<boolean> | null = null;

  constructor(
    @Inject(QUEUE_MODULE_OPTIONS) private readonly opts: QueueModuleOptions,
    @Optional() @Inject(QUEUE_HEALTH_QUEUES) queueNames: readonly QueueName[] = deployedQueues(),
  ) {
    // offline queue on (commands wait for the first connect), but bounded: ops reads fail within 3 s when Redis is down
    this.redis = createRedisClient(opts.redis, {
      maxRetriesPerRequest: 1,
      commandTimeout: 3000,
      retryStrategy: reconnectForever,
      connectionName: 'omnisync-queue-health',
    });
    this.leaseKey = `${opts.prefix ?? 'bull'}:metrics:queue-exporter`;
    // read-only views, given their queue's options anyway (every Queue an app holds matches QUEUE_JOB_OPTIONS);
    // their connection errors are the shared client's, which logs them: the queues' own listener stays quiet
    this.queues = new Map(
      queueNames.map((q) => {
        const queue = new Queue(q, { connection: this.redis, prefix: opts.prefix, defaultJobOptions: jobOptionsFor(q), streams: QUEUE_STREAMS });
        queue.on('error', () => undefined);
        return [q, queue];
      }),
    );
  }

  onModuleInit(): void {
    appMetrics(); // make sure the queue gauges exist in the registry
    this.unregister = [
      addQueueDepthSource(async (gauge) => {
        if (!(await this.exportsQueueGauges())) return;
        for (const h of await this.forScrape()) {
          gauge.set({ queue: h.queue, state: 'waiting' }, h.waiting);
          gauge.set({ queue: h.queue, state: 'active' }, h.active);
          gauge.set({ queue: h.queue, state: 'delayed' }, h.delayed);
          gauge.set({ queue: h.queue, state: 'failed' }, h.failed);
        }
      }),
      addQueueAgeSource(async (gauge) => {
        if (!(await this.exportsQueueGauges())) return;
        for (const h of await this.forScrape()) gauge.set({ queue: h.queue }, (h.oldestWaitingAgeMs ?? 0) / 1000);
      }),
    ];
  }

  /**
   * Whether this process exports the queue gauges at this scrape: it holds the lease (taken when free, renewed
   * when its own). Redis unreachable: no (the queue figures could not be read either).
   */
  async exportsQueueGauges(): Promise<boolean> {
    this.lease ??= (this.redis.eval(LEASE_LUA, 1, this.leaseKey, this.exporterId, String(QUEUE_METRICS_LEASE_MS)) as Promise<number>)
      .then((r) => r === 1, () => false)
      .finally(() => {
        this.lease = null;
      });
    return this.lease;
  }

  /** the figures of the scrape in progress (a concurrent caller shares the read), else a fresh read */
  private forScrape(): Promise<QueueHealth[]> {
    this.scrape ??= this.all().finally(() => {
      this.scrape = null;
    });
    return this.scrape;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const off of this.unregister) off();
    // a stopping holder hands the gauges over at once (the next process scraped takes the lease)
    if (this.redis.status === 'ready') await this.redis.eval(RELEASE_LUA, 1, this.leaseKey, this.exporterId).catch(() => undefined);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    if (this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis.disconnect());
  }

  async all(): Promise<QueueHealth[]> {
    return Promise.all([...this.queues.keys()].map((q) => this.one(q)));
  }

  async one(name: QueueName): Promise<QueueHealth> {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    const now = Date.now();
    const [counts, paused, oldest, completed, failed] = await Promise.all([
      queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed'),
      queue.isPaused(),
      this.oldestWaitingReadyAt(queue),
      queue.getMetrics('completed', 0, 0),
      queue.getMetrics('failed', 0, 0),
    ]);
    return {
      queue: name,
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      paused,
      oldestWaitingAgeMs: oldest == null ? null : Math.max(0, now - oldest),
      completedPerMinute: perMinute(completed, now),
      failedPerMinute: perMinute(failed, now),
      completedTotal: completed.meta.count,
      failedTotal: failed.meta.count,
    };
  }

  /** ready time of the oldest waiting job: tail of the FIFO wait list, head of prioritized */
  private async oldestWaitingReadyAt(queue: Queue): Promise<number | null> {
    const k = queue.keys;
    const [waitTail, prioHead] = await Promise.all([this.redis.lindex(k.wait, -1), this.redis.zrange(k.prioritized, 0, 0)]);
    const ids = [waitTail, prioHead[0]].filter((x): x is string => !!x);
    let oldest: number | null = null;
    for (const id of ids) {
      const [ts, delay] = await this.redis.hmget(queue.toKey(id), 'timestamp', 'delay');
      if (ts == null) continue;
      const readyAt = Number(ts) + Number(delay ?? 0);
      if (oldest == null || readyAt < oldest) oldest = readyAt;
    }
    return oldest;
  }
}

interface BullMetrics {
  meta: { count: number; prevTS: number; prevCount: number };
  data: number[];
}

/** Sliding 60 s estimate from BullMQ's per-minute metrics (see class comment). */
export function perMinute(m: BullMetrics, now: number): number {
  if (!m.meta.prevTS) return 0;
  const cur = Math.floor(now / 60_000);
  const prevMinute = Math.floor(m.meta.prevTS / 60_000);
  const sinceWindowStart = m.meta.count - m.meta.prevCount;
  let current = 0;
  let previous = 0;
  if (prevMinute === cur) {
    current = sinceWindowStart;
    previous = m.data[0] ?? 0;
  } else if (prevMinute === cur - 1) {
    previous = sinceWindowStart;
  }
  const remaining = 1 - (now % 60_000) / 60_000;
  return Math.round((current + previous * remaining) * 10) / 10;
}
