import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { appMetrics, merchantLabel } from '@app/observability';
import type { PushMessage } from '@app/platforms';
import { GroupCommitter, type GroupCommitStats } from './group-commit';

/** inbox ids per process-inbox-batch job */
export const INBOX_BATCH_JOB_SIZE = 200;

export interface InboxEntry {
  message: PushMessage;
  /** the app that signed the push (HTTP) or whose TMC stream delivered it: message ids are unique per app */
  appKey: string;
  /** our shop id (a shop authorised under `appKey`, see entriesForApp); null: the worker resolves it */
  shopId: string | null;
  /**
   * why the message is stored as `ignored` (audit only, never processed), e.g. its shop is not authorised
   * under the app that signed it
   */
  ignored?: string;
}

export interface InboxWriteResult {
  /** ids of rows this call inserted (duplicates of earlier deliveries are not in it) */
  insertedIds: string[];
  duplicates: number;
}

export interface InboxWriterOptions {
  /** items per INSERT (default 500) */
  maxBatch?: number;
  /** how long the first caller of a group waits for company (default 3 ms) */
  maxWaitMs?: number;
  /** concurrent INSERTs (default 2) */
  maxInFlight?: number;
  /** how long an enqueue may take before it is logged and left to the sweeper (default 2000 ms) */
  enqueueTimeoutMs?: number;
}
export const INBOX_WRITER_OPTIONS = Symbol('INBOX_WRITER_OPTIONS');

/** Messages the order path acts on; everything else is stored as `ignored` for audit. */
export function isOrderMessage(m: PushMessage): boolean {
  return (m.kind === 'order' || m.kind === 'refund') && m.platformOrderId !== null && m.platformOrderId !== '';
}

interface InsertedRow {
  id: string;
  platform: string;
  app_key: string;
  message_id: string;
  status: string;
  merchant_id: string | null;
}

const INSERT_SQL = `
  INSERT INTO order_sync.inbox (platform, message_id, platform_shop_id, shop_id, topic, kind, platform_order_id, occurred_at, raw, status, app_key, last_error, paid_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
  ON CONFLICT (platform, app_key, message_id) DO NOTHING
  RETURNING id::text AS id, platform, app_key, message_id, status,
    (SELECT s.merchant_id::text FROM core.shops s WHERE s.id = inbox.shop_id) AS merchant_id`;

/**
 * Writes verified push messages to `order_sync.inbox` with group commit: concurrent callers share one
 * multi-row INSERT ... ON CONFLICT DO NOTHING. `write()` resolves only after the row is committed, so a
 * reply sent after it never acknowledges a message that could be lost. New order messages are then
 * enqueued as `process-inbox-batch` jobs (one per group, `inbox-batch-<first>-<last>`); if Redis is unavailable the failure is logged
 * and the sweeper re-enqueues the pending rows later.
 */
@Injectable()
export class InboxWriter implements OnModuleDestroy {
  private readonly logger = new Logger(InboxWriter.name);
  private readonly committer: GroupCommitter<InboxEntry, string | null>;
  private readonly enqueues = new Set<Promise<void>>();
  private readonly enqueueTimeoutMs: number;
  /** INSERT statements issued (for tests and metrics) */
  statements = 0;

  constructor(
    private readonly dataSource: DataSource,
    @InjectQueue(QUEUE.ORDER_EVENTS) private readonly queue: Queue,
    @Optional() @Inject(INBOX_WRITER_OPTIONS) opts: InboxWriterOptions | null,
  ) {
    this.committer = new GroupCommitter((items) => this.insert(items), {
      maxBatch: opts?.maxBatch ?? 500,
      maxWaitMs: opts?.maxWaitMs ?? 3,
      maxInFlight: opts?.maxInFlight ?? 2,
    });
    this.enqueueTimeoutMs = opts?.enqueueTimeoutMs ?? 2000;
  }

  get stats(): GroupCommitStats {
    return this.committer.stats;
  }

  async write(entries: InboxEntry[]): Promise<InboxWriteResult> {
    const ids = await this.committer.submit(entries);
    const insertedIds = ids.filter((id): id is string => id !== null);
    return { insertedIds, duplicates: entries.length - insertedIds.length };
  }

  /** waits for queued writes and in-flight enqueues (tests, shutdown) */
  async flush(): Promise<void> {
    await this.committer.drain();
    while (this.enqueues.size > 0) await Promise.allSettled([...this.enqueues]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private async insert(entries: InboxEntry[]): Promise<(string | null)[]> {
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], [], [], [], []];
    for (const { message: m, shopId, appKey, ignored } of entries) {
      cols[0].push(m.platform);
      cols[1].push(m.messageId);
      cols[2].push(m.platformShopId);
      cols[3].push(shopId);
      cols[4].push(m.topic);
      cols[5].push(m.kind);
      cols[6].push(m.platformOrderId);
      cols[7].push(m.occurredAt);
      cols[8].push(m.raw);
      cols[9].push(isOrderMessage(m) && !ignored ? 'pending' : 'ignored');
      cols[10].push(appKey);
      cols[11].push(ignored ?? null);
      // the SLA watcher starts a paid order's clock from here while the order is still only this message
      cols[12].push(m.paidAt ?? null);
    }
    this.statements += 1;
    const rows: InsertedRow[] = await this.dataSource.query(INSERT_SQL, cols);
    const byKey = new Map(rows.map((r) => [`${r.platform}\u0000${r.app_key}\u0000${r.message_id}`, r]));
    const toEnqueue = rows.filter((r) => r.status === 'pending').map((r) => r.id);
    // committed (an autocommit statement): the order messages received, first deliveries only
    const received = appMetrics().ordersReceived;
    for (const r of rows) if (r.status === 'pending') received.inc({ platform: r.platform, merchant: merchantLabel(r.merchant_id) });
    if (toEnqueue.length > 0) this.enqueue(toEnqueue);
    // a message repeated inside one group is reported as inserted once, for its first occurrence
    return entries.map(({ message: m, appKey }) => {
      const key = `${m.platform}\u0000${appKey}\u0000${m.messageId}`;
      const row = byKey.get(key);
      if (!row) return null;
      byKey.delete(key);
      return row.id;
    });
  }

  private enqueue(ids: string[]): void {
    // one job per commit group (chunks of INBOX_BATCH_JOB_SIZE): BullMQ's per-job cost is paid once per group
    const jobs = [];
    for (let i = 0; i < ids.length; i += INBOX_BATCH_JOB_SIZE) {
      const chunk = ids.slice(i, i + INBOX_BATCH_JOB_SIZE);
      jobs.push({
        name: 'process-inbox-batch' as const,
        data: { v: 1, inboxIds: chunk } satisfies JobPayloads['process-inbox-batch'],
        opts: { jobId: `inbox-batch-${chunk[0]}-${chunk[chunk.length - 1]}` },
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`enqueue timed out after ${this.enqueueTimeoutMs} ms`)), this.enqueueTimeoutMs);
    });
    const p = Promise.race([this.queue.addBulk(jobs), timeout])
      .then(() => undefined)
      .catch((e: unknown) => {
        // the rows are durable; the sweeper re-enqueues pending inbox rows, so this is a delay, not a loss
        this.logger.warn(`enqueue of ${ids.length} inbox jobs failed, left to the sweeper: ${String(e)}`);
      })
      .finally(() => {
        clearTimeout(timer);
        this.enqueues.delete(p);
      });
    this.enqueues.add(p);
  }
}
