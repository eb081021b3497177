import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { SWEEPER_OPTIONS, type SweeperOptions } from './sweeper.options';
import { LeaderLoop } from '../shared/leader-lock';
import { OrderJobs, inboxJobId, outboxJobId } from '../shared/order-jobs';
import { InboxRepository } from '../ingest/inbox.repository';
import { OutboxRepository } from '../delivery/outbox.repository';

export interface SweepResult {
  inboxReenqueued: number;
  inboxGaveUp: number;
  outboxReenqueued: number;
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Postgres is the source of truth: any inbox or outbox row still pending (and due) after
 * `sweepStaleAfterMs` gets its job back. The deterministic job id makes this a no-op while the job is
 * alive; a job id that finished without finishing the row (or vanished with a Redis wipe) is re-added,
 * with a suffix when BullMQ still remembers the finished id.
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SweeperService.name);
  private readonly loop: LeaderLoop;

  constructor(
    /** the sweeper's lease (LeaderLoop, order_sync.leases) */
    dataSource: DataSource,
    private readonly inboxRows: InboxRepository,
    private readonly outboxRows: OutboxRepository,
    private readonly jobs: OrderJobs,
    @Inject(SWEEPER_OPTIONS) private readonly opts: SweeperOptions,
  ) {
    this.loop = new LeaderLoop(dataSource, 'sweeper', opts.sweepIntervalMs, () => this.sweep(), this.logger, opts.leaderLeaseTtlMs);
  }

  onApplicationBootstrap(): void {
    if (this.opts.backgroundLoops) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async tickIfLeader(): Promise<SweepResult | null> {
    if (!(await this.loop.lock.isLeading())) return null;
    return this.sweep();
  }

  async sweep(): Promise<SweepResult> {
    const staleSec = this.opts.sweepStaleAfterMs / 1000;
    const result: SweepResult = { inboxReenqueued: 0, inboxGaveUp: 0, outboxReenqueued: 0 };

    const inbox = await this.inboxRows.stalePending(staleSec, this.opts.sweepBatch);
    // a row waiting out an open breaker, a throttle or our own quota limiter is never given up: a platform outage
    // (or a flash sale over the quota) delays it, however long
    const giveUp = inbox.filter((r) => r.attempts >= this.opts.sweepMaxReenqueues && !r.deferred).map((r) => r.id);
    const gaveUp = new Set(giveUp);
    if (giveUp.length > 0) {
      await this.inboxRows.giveUp(giveUp);
      result.inboxGaveUp = giveUp.length;
      this.logger.error(`sweeper gave up on ${giveUp.length} inbox rows`);
    }
    const inboxTodo = await this.needingJobs(
      this.jobs.orderEvents,
      inbox.filter((r) => !gaveUp.has(r.id)).map((r) => ({ id: r.id, jobId: inboxJobId(r.id) })),
    );
    if (inboxTodo.length > 0) {
      await this.inboxRows.countReenqueue(inboxTodo.map((t) => t.id));
      if (await this.jobs.addInbox(inboxTodo)) result.inboxReenqueued = inboxTodo.length;
    }

    const outbox = await this.outboxRows.stalePending(staleSec, this.opts.sweepBatch);
    for (const kind of ['push', 'intercept'] as const) {
      const rows = outbox.filter((r) => r.kind === kind);
      const todo = await this.needingJobs(
        this.jobs.queueFor(kind),
        rows.map((r) => ({ id: r.id, jobId: outboxJobId(kind, r.id) })),
      );
      // one addDeliveries per suffix group keeps ids deterministic for the common case (no suffix)
      const merchantOf = new Map(rows.map((r) => [r.id, r.merchant_id]));
      const plain = todo.filter((t) => t.suffix === '').map((t) => ({ outboxId: t.id, kind, merchantId: merchantOf.get(t.id) ?? null }));
      const suffixed = todo.filter((t) => t.suffix !== '');
      if (plain.length > 0 && (await this.jobs.addDeliveries(plain, '', this.opts.erpPushChunk))) result.outboxReenqueued += plain.length;
      for (const t of suffixed) {
        if (await this.jobs.addDeliveries([{ outboxId: t.id, kind, merchantId: merchantOf.get(t.id) ?? null }], t.suffix)) result.outboxReenqueued += 1;
      }
    }
    if (result.inboxReenqueued + result.outboxReenqueued > 0) {
      this.logger.warn(`sweeper re-enqueued ${result.inboxReenqueued} inbox and ${result.outboxReenqueued} outbox rows`);
    }
    return result;
  }

  /** rows whose job is not alive: `suffix` is '' when the id is free, `-s<ms>` when BullMQ still holds a finished job under it */
  private async needingJobs(queue: Queue, rows: { id: string; jobId: string }[]): Promise<{ id: string; suffix: string }[]> {
    const states = await Promise.all(rows.map((r) => queue.getJobState(r.jobId)));
    const stamp = Date.now();
    const out: { id: string; suffix: string }[] = [];
    rows.forEach((r, i) => {
      const s = states[i];
      if (LIVE_STATES.has(s)) return;
      out.push({ id: r.id, suffix: s === 'unknown' ? '' : `-s${stamp}` });
    });
    return out;
  }
}
