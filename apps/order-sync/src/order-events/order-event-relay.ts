import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE, type CouponOrderEvent, type JobPayloads, type StockOrderEvent } from '@app/contracts';
import { appMetrics } from '@app/observability';
import { DataSource } from 'typeorm';
import { ORDER_EVENTS_OPTIONS, type OrderEventsOptions } from './order-events.options';
import { LeaderLoop } from '../shared/leader-lock';
import { CouponEventsRepository, StockEventsRepository, type OrderEventsRepository } from './order-events.repository';

/** events per job (keeps one job's payload well under a few hundred KB) */
export const STOCK_EVENTS_CHUNK = 100;
/** an add that Redis has not answered within this long is given up: the rows stay unrelayed (the job may still land: same id) */
export const STOCK_EVENTS_ENQUEUE_TIMEOUT_MS = 3000;

/** a stock job's id: its first and last event ids (a claim is ordered by id; another relay skips locked rows, never reorders) */
export const stockEventsJobId = (ids: string[]): string => `apply-order-stock-e${ids[0]}-${ids[ids.length - 1]}`;
/** a coupon job's id, the same way */
export const couponEventsJobId = (ids: string[]): string => `apply-order-coupons-e${ids[0]}-${ids[ids.length - 1]}`;

/** what differs between the order-event outboxes: the table (repository), the queue's job and the metrics */
interface OutboxKind<E> {
  /** names the leader lease of the repair and the log lines */
  name: string;
  jobName: 'apply-order-stock' | 'apply-order-coupons';
  jobId: (ids: string[]) => string;
  data: (events: E[]) => JobPayloads['apply-order-stock'] | JobPayloads['apply-order-coupons'];
  relayed: (n: number) => void;
  readded: (reason: 'lost' | 'failed') => void;
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
/** job states asked of Redis at once by the repair */
const REPAIR_CONCURRENCY = 50;

export interface RelayStats {
  jobs: number;
  events: number;
  failures: number;
  confirmed: number;
  readded: number;
}

/**
 * An order-event outbox's relay (docs/adr/0014): the stock events (order_sync.stock_events -> {stock-events},
 * catalog-sync) and the coupon events (order_sync.coupon_events -> {coupon-events}, apps/coupon) are two instances.
 * Order changes write their events in the order's own transaction; this moves them to the consumer:
 *
 * - relay (every instance): claims unrelayed rows (FOR UPDATE SKIP LOCKED), adds one apply-order-stock job per
 *   100 events, and marks the rows relayed in the same transaction — a failed add (Redis down) rolls the
 *   marks back and the next wake tries again. Woken after each ingest / poll commit, and every
 *   stockEventsRelayIntervalMs.
 * - repair (one leader, `stock-events-repair`): for jobs relayed a while ago whose rows are not confirmed, asks
 *   BullMQ for the job's state. Completed: the rows are deleted (confirmed) and the job removed ({stock-events} keeps
 *   completed jobs until then, docs/adr/0014). Gone (a Redis wipe): added again from the rows. Failed (the
 *   consumer gave up): added again, up to stockEventsMaxRelays. Still queued or running: left alone.
 *
 * The consumer is idempotent per (shop, order, SKU) and only moves a reservation forward, so a re-added job or
 * an event applied twice changes nothing.
 */
export abstract class OrderEventRelay<E> implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  readonly stats: RelayStats = { jobs: 0, events: 0, failures: 0, confirmed: 0, readded: 0 };
  private readonly repairLoop: LeaderLoop;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private scheduled: NodeJS.Timeout | null = null;
  private lastDrainAt = 0;
  private again = false;
  private stopped = false;

  constructor(
    private readonly kind: OutboxKind<E>,
    private readonly repo: OrderEventsRepository<E>,
    readonly queue: Queue,
    dataSource: DataSource,
    private readonly opts: OrderEventsOptions,
  ) {
    this.logger = new Logger(`OrderEventRelay(${kind.name})`);
    this.repairLoop = new LeaderLoop(dataSource, `${kind.name}-repair`, opts.stockEventsRepairIntervalMs, () => this.repair(), this.logger, opts.leaderLeaseTtlMs);
  }

  onApplicationBootstrap(): void {
    if (!this.opts.backgroundLoops) return;
    this.timer = setInterval(() => this.wake(), this.opts.stockEventsRelayIntervalMs);
    this.repairLoop.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduled) clearTimeout(this.scheduled);
    await this.draining;
    await this.repairLoop.stop();
  }

  /**
   * Relay soon. Wakes are coalesced: at most one drain runs at a time, and a drain starts no sooner than
   * stockEventsRelayCoalesceMs after the previous one started, so the commits of a burst share a claim (one
   * claim-and-mark transaction per interval instead of per commit); a wake during a drain runs it once more.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.draining || this.scheduled) {
      this.again = true;
      return;
    }
    const wait = Math.max(0, this.lastDrainAt + this.opts.stockEventsRelayCoalesceMs - Date.now());
    this.scheduled = setTimeout(() => {
      this.scheduled = null;
      this.again = false;
      this.lastDrainAt = Date.now();
      this.draining = this.drain().finally(() => {
        this.draining = null;
        if (this.again) this.wake();
      });
    }, wait);
  }

  /** relays until nothing is left (or an add fails); resolves when done. Tests and wake() call it. */
  async drain(): Promise<void> {
    try {
      while ((await this.relayOnce()) === this.opts.stockEventsBatch && !this.stopped) {
        /* a full claim: there may be more */
      }
    } catch (e) {
      this.stats.failures += 1;
      this.logger.warn({ msg: `relay of ${this.kind.name} failed; the rows stay unrelayed and are tried again`, error: String(e) });
    }
  }

  /** one claim: returns the number of events relayed */
  async relayOnce(): Promise<number> {
    return this.repo.transaction(async (em) => {
      const rows = await this.repo.claimUnrelayed(em, this.opts.stockEventsBatch);
      if (rows.length === 0) return 0;
      const jobs: { jobId: string; ids: string[]; events: E[] }[] = [];
      for (let i = 0; i < rows.length; i += STOCK_EVENTS_CHUNK) {
        const chunk = rows.slice(i, i + STOCK_EVENTS_CHUNK);
        const ids = chunk.map((r) => r.id);
        jobs.push({ jobId: this.kind.jobId(ids), ids, events: chunk.map((r) => r.event) });
      }
      await this.add(jobs);
      for (const j of jobs) await this.repo.markRelayed(j.ids, j.jobId, em);
      this.stats.jobs += jobs.length;
      this.stats.events += rows.length;
      this.kind.relayed(rows.length);
      return rows.length;
    });
  }

  /** one repair pass (the leader's tick; tests call it): how many jobs were confirmed and re-added */
  async repair(): Promise<{ confirmed: number; readded: number }> {
    const out = { confirmed: 0, readded: 0 };
    const jobs = await this.repo.unconfirmedJobs(this.opts.stockEventsRepairStaleMs, this.opts.stockEventsMaxRelays, this.opts.stockEventsRepairBatch);
    for (let i = 0; i < jobs.length; i += REPAIR_CONCURRENCY) {
      const slice = jobs.slice(i, i + REPAIR_CONCURRENCY);
      const states = await Promise.all(slice.map((j) => this.queue.getJobState(j.jobId)));
      const completed = slice.filter((_, k) => states[k] === 'completed');
      if (completed.length > 0) {
        await this.repo.confirm(completed.flatMap((j) => j.ids));
        await Promise.all(completed.map((j) => this.queue.remove(j.jobId).catch(() => undefined)));
        out.confirmed += completed.length;
      }
      for (const [k, j] of slice.entries()) {
        const state = states[k];
        if (state === 'completed' || LIVE_STATES.has(state)) continue;
        // 'unknown' (gone with a Redis wipe) or 'failed' (the consumer gave up): the same events once more
        if (state === 'failed') await this.queue.remove(j.jobId);
        const jobId = state === 'failed' ? `${j.jobId.replace(/-r\d+$/, '')}-r${j.relays}` : j.jobId;
        await this.add([{ jobId, ids: j.ids, events: await this.repo.events(j.ids) }]);
        await this.repo.markRelayed(j.ids, jobId);
        out.readded += 1;
        this.kind.readded(state === 'failed' ? 'failed' : 'lost');
        const level = j.relays + 1 >= this.opts.stockEventsMaxRelays ? 'error' : 'warn';
        this.logger[level]({ msg: `${this.kind.name} job ${state === 'failed' ? 'failed' : 'lost'}; added again`, jobId, events: j.ids.length, relays: j.relays + 1 });
      }
    }
    this.stats.confirmed += out.confirmed;
    this.stats.readded += out.readded;
    return out;
  }

  private async add(jobs: { jobId: string; ids: string[]; events: E[] }[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queue.addBulk(
          jobs.map((j) => ({
            name: this.kind.jobName,
            data: this.kind.data(j.events),
            opts: { jobId: j.jobId },
          })),
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Redis within ${STOCK_EVENTS_ENQUEUE_TIMEOUT_MS} ms`)), STOCK_EVENTS_ENQUEUE_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const metrics = () => appMetrics();

/** stock events -> {stock-events} (catalog-sync's reservations) */
@Injectable()
export class StockEventRelay extends OrderEventRelay<StockOrderEvent> {
  constructor(repo: StockEventsRepository, @InjectQueue(QUEUE.STOCK_EVENTS) queue: Queue, dataSource: DataSource, @Inject(ORDER_EVENTS_OPTIONS) opts: OrderEventsOptions) {
    super(
      {
        name: 'stock-events',
        jobName: 'apply-order-stock',
        jobId: stockEventsJobId,
        data: (orders) => ({ v: 2, orders }) satisfies JobPayloads['apply-order-stock'],
        relayed: (n) => metrics().stockEventsRelayed.inc(n),
        readded: (reason) => metrics().stockEventsReadded.inc({ reason }),
      },
      repo,
      queue,
      dataSource,
      opts,
    );
  }
}

/** coupon events -> {coupon-events} (apps/coupon's redemptions and budget guard; issue 11 item 4) */
@Injectable()
export class CouponEventRelay extends OrderEventRelay<CouponOrderEvent> {
  constructor(repo: CouponEventsRepository, @InjectQueue(QUEUE.COUPON_EVENTS) queue: Queue, dataSource: DataSource, @Inject(ORDER_EVENTS_OPTIONS) opts: OrderEventsOptions) {
    super(
      {
        name: 'coupon-events',
        jobName: 'apply-order-coupons',
        jobId: couponEventsJobId,
        data: (orders) => ({ v: 1, orders }) satisfies JobPayloads['apply-order-coupons'],
        relayed: (n) => metrics().couponEventsRelayed.inc(n),
        readded: (reason) => metrics().couponEventsReadded.inc({ reason }),
      },
      repo,
      queue,
      dataSource,
      opts,
    );
  }
}

/** what ingest and poll wake after a commit that changed orders: every order-event relay */
@Injectable()
export class OrderEventRelays {
  constructor(
    readonly stock: StockEventRelay,
    readonly coupons: CouponEventRelay,
  ) {}

  wake(): void {
    this.stock.wake();
    this.coupons.wake();
  }
}
