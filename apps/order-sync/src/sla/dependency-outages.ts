import { hostname } from 'node:os';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import Redis, { type RedisOptions } from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { QUEUE } from '@app/contracts';
import { createRedisClient, type RedisClient } from '@app/observability';
import { QUEUE_MODULE_OPTIONS, type QueueModuleOptions } from '@app/queue';
import { SLA_OPTIONS, type SlaOptions } from './sla.options';
import { MIN_OUTAGE_MS, type Dependency, type Outage } from './sla-causes';
import { SlaLedgerRepository } from './sla-ledger.repository';

/** a probe not answered within this is a failure (a frozen Redis never answers, a stopped Postgres refuses) */
const PROBE_TIMEOUT_MS = 1000;
/** how often the outages other processes recorded are read again */
const RELOAD_MS = 5000;
/** outages older than this no longer matter: the SLA watcher looks one day back */
const KEEP_MS = 24 * 3600_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} probe timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * How the SLA ledger knows Redis or Postgres was unavailable: every order-sync process probes both every
 * `healthProbeIntervalMs` (PING on its own Redis connection with a command timeout; `SELECT 1` on its own
 * Postgres connection, not the pool, so a busy pool is not an outage) and keeps the spans its probes failed in
 * memory. A span is written to `order_sync.dependency_outages` once it is over and Postgres answers (so a
 * Postgres outage is recorded when Postgres is back); every process reads the others' spans every few seconds.
 * An order whose wait overlaps a span (of at least MIN_OUTAGE_MS) or its recovery tail gets the cause
 * redis_unavailable / postgres_unavailable, ahead of what the ERP or the platform did (see slaCause).
 */
@Injectable()
export class DependencyOutages implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DependencyOutages.name);
  private readonly instance = `${hostname()}:${process.pid}`;
  /** this process's outages (the open one last, endedAt null) */
  private readonly mine: Outage[] = [];
  /** ended outages of this process not yet written to Postgres */
  private readonly unsaved: Outage[] = [];
  /** what the other processes recorded */
  private others: Outage[] = [];
  private lastReload = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private redis: RedisClient | null = null;
  private pg: Client | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: SlaLedgerRepository,
    @InjectQueue(QUEUE.ORDER_EVENTS) private readonly queue: Queue,
    @Inject(SLA_OPTIONS) private readonly opts: SlaOptions,
    /** the app's Redis target (QueueModule); absent in feature tests with a bare BullModule root */
    @Optional() @Inject(QUEUE_MODULE_OPTIONS) private readonly queueOpts?: QueueModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.opts.backgroundLoops) return;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.probe()
        .catch((e: unknown) => this.logger.warn(`dependency probe failed: ${String(e)}`))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.opts.healthProbeIntervalMs);
        });
    };
    this.timer = setTimeout(loop, this.opts.healthProbeIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.redis?.disconnect();
    await this.pg?.end().catch(() => undefined);
  }

  /** every outage known here (this process's, the open one included, and the other processes') */
  list(): Outage[] {
    return [...this.mine, ...this.others];
  }

  /** one probe result at `at` (ms): opens an outage on a failure, closes the open one on a success */
  note(dependency: Dependency, ok: boolean, at: number = Date.now()): void {
    const open = this.mine.find((o) => o.dependency === dependency && o.endedAt === null);
    if (!ok && !open) {
      this.mine.push({ dependency, startedAt: at, endedAt: null });
      this.logger.warn(`${dependency} unavailable since ${new Date(at).toISOString()}`);
    } else if (ok && open) {
      open.endedAt = at;
      this.logger.warn(`${dependency} available again after ${at - open.startedAt} ms`);
      if (at - open.startedAt >= MIN_OUTAGE_MS) this.unsaved.push(open);
    }
    const keepFrom = at - KEEP_MS;
    for (let i = this.mine.length - 1; i >= 0; i--) {
      const o = this.mine[i];
      if (o.endedAt !== null && o.endedAt < keepFrom) this.mine.splice(i, 1);
    }
  }

  /** probes both, then (Postgres answering) writes ended outages and reads the other processes' */
  async probe(): Promise<void> {
    const at = Date.now();
    const [redisOk, pgOk] = await Promise.all([this.probeRedis(), this.probePostgres()]);
    this.note('redis', redisOk, at);
    this.note('postgres', pgOk, at);
    if (!pgOk) return;
    await this.save();
    if (Date.now() - this.lastReload >= RELOAD_MS) await this.reload();
  }

  private async probeRedis(): Promise<boolean> {
    const redis = this.redis ?? this.connectRedis();
    try {
      if (redis.status === 'wait') await withTimeout(redis.connect(), PROBE_TIMEOUT_MS, 'redis');
      await redis.ping();
      return true;
    } catch {
      // a frozen server keeps the connection (the command timed out); a closed one is opened again next time
      if (redis.status === 'end') this.redis = null;
      return false;
    }
  }

  /** its own connection to the queues' Redis, with a command timeout (BullMQ's waits however long) */
  private connectRedis(): RedisClient {
    const probe: RedisOptions = { commandTimeout: PROBE_TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, connectionName: 'order-sync-probe' };
    let redis: RedisClient;
    if (this.queueOpts) {
      // the same target as every other client (a single server, a Sentinel set or a Cluster)
      redis = createRedisClient(this.queueOpts.redis, { ...probe, connectionName: 'order-sync-probe', errors: 'silent' });
    } else {
      const conn = this.queue.opts.connection as RedisOptions | Redis;
      redis = conn instanceof Redis ? conn.duplicate(probe) : new Redis({ ...conn, ...probe });
    }
    redis.on('error', () => undefined); // a failed probe is the report; reconnecting is ioredis's
    this.redis = redis;
    return redis;
  }

  private async probePostgres(): Promise<boolean> {
    let pg = this.pg;
    try {
      if (!pg) {
        pg = new Client({
          connectionString: (this.dataSource.options as { url?: string }).url,
          connectionTimeoutMillis: PROBE_TIMEOUT_MS,
          query_timeout: PROBE_TIMEOUT_MS,
          application_name: 'order-sync-probe',
        });
        pg.on('error', () => undefined);
        this.pg = pg;
        await pg.connect();
      }
      await pg.query('SELECT 1');
      return true;
    } catch {
      this.pg = null;
      await pg?.end().catch(() => undefined);
      return false;
    }
  }

  private async save(): Promise<void> {
    if (this.unsaved.length === 0) return;
    const rows = [...this.unsaved];
    try {
      await this.repo.saveOutages(rows, this.instance);
      this.unsaved.splice(0, rows.length);
    } catch (e) {
      this.logger.warn(`recording ${rows.length} outages failed, kept for the next probe: ${String(e)}`);
    }
  }

  private async reload(): Promise<void> {
    this.others = await this.repo.otherOutages(KEEP_MS, this.instance);
    this.lastReload = Date.now();
  }
}
