import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Platform } from '@app/contracts';

/** an inbox row as the ingest reads it */
export interface InboxRow {
  id: string;
  platform: Platform;
  platform_shop_id: string | null;
  shop_id: string | null;
  platform_order_id: string;
  occurred_at: Date | null;
  attempts: number;
  /** null until a try failed or was deferred: the row's first look */
  last_error: string | null;
}

/** how one inbox row is left by a group: ignored / failed for good, or pending again (to be retried) */
export interface InboxSettlement {
  id: string;
  status: 'ignored' | 'failed' | 'pending';
  reason: string;
  /** attempts to add: 0 for a deferral (breaker open, throttled), else 1 */
  counts: number;
}

/** a pending row the sweeper found stale */
export interface StaleInboxRow {
  id: string;
  attempts: number;
  /** its last try was deferred (breaker open, throttled, our own quota): never given up */
  deferred: boolean;
}

/**
 * Every statement the order path runs on `order_sync.inbox` after the push intake inserted the row (the insert is
 * libs/intake's InboxWriter): the ingest's read and settlement of a group, and the sweeper's stale-row reads and
 * writes. The decisions (which row is done, retried, refused, given up) are the services'.
 */
@Injectable()
export class InboxRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** the rows of `ids` still pending (one statement) */
  async pendingByIds(ids: string[]): Promise<InboxRow[]> {
    // by primary key only, `status` filtered here: with `AND status = 'pending'` the planner may AND in the
    // partial index of pending rows, which holds every processed row's dead entry until vacuum
    return ((await this.ds.query(
      `SELECT id::text AS id, platform, platform_shop_id, shop_id, platform_order_id, occurred_at, attempts, last_error, status
         FROM order_sync.inbox WHERE id = ANY($1::bigint[])`,
      [ids],
    )) as (InboxRow & { status: string })[]).filter((r) => r.status === 'pending');
  }

  /** the rows' orders are applied (or already current): processed, one attempt counted */
  async markProcessed(em: EntityManager, ids: string[]): Promise<void> {
    await em.query(
      `UPDATE order_sync.inbox SET status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  /** one multi-row update of the rows not processed: each row's status, reason and attempts added */
  async settle(em: EntityManager, settled: InboxSettlement[]): Promise<void> {
    await em.query(
      `UPDATE order_sync.inbox i SET status = s.status, last_error = s.reason, attempts = i.attempts + s.counts,
              processed_at = CASE WHEN s.status = 'pending' THEN NULL ELSE now() END
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[]) AS s(id, status, reason, counts)
        WHERE i.id = s.id`,
      [settled.map((x) => x.id), settled.map((x) => x.status), settled.map((x) => x.reason), settled.map((x) => x.counts)],
    );
  }

  /** pending rows received more than `staleSec` ago, oldest id first, at most `limit` (the sweeper's read) */
  async stalePending(staleSec: number, limit: number): Promise<StaleInboxRow[]> {
    return this.ds.query(
      `SELECT id::text AS id, attempts, coalesce(last_error ~ '^(circuit_open|rate_limited|platform_quota):', false) AS deferred FROM order_sync.inbox
        WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1)
        ORDER BY id LIMIT $2`,
      [staleSec, limit],
    );
  }

  /** the sweeper gave up on these rows: failed, the reason kept with a note (rows no longer pending are left alone) */
  async giveUp(ids: string[]): Promise<void> {
    await this.ds.query(
      `UPDATE order_sync.inbox SET status = 'failed', processed_at = now(),
              last_error = coalesce(last_error, '') || ' (sweeper gave up)' WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [ids],
    );
  }

  /** the sweeper re-adds these rows' jobs: each re-add counts as an attempt (so a row re-added forever is given up) */
  async countReenqueue(ids: string[]): Promise<void> {
    await this.ds.query(`UPDATE order_sync.inbox SET attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [ids]);
  }
}
