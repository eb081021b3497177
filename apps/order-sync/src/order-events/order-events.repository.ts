import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CouponOrderEvent, StockOrderEvent } from '@app/contracts';
import { queryRows } from '../shared/sql';

/** an unrelayed event claimed by one relay transaction */
export interface ClaimedEvent<E> {
  id: string;
  event: E;
}

/** the rows one {stock-events} job carries, as the repair sees them */
export interface RelayedJob {
  jobId: string;
  ids: string[];
  relays: number;
}

/**
 * Every statement on one order-event outbox table (order_sync.stock_events, order_sync.coupon_events: the same
 * columns) except the insert, which is part of the order's own upsert (OrderUpsertRepository.apply writes the
 * events in the order's transaction). docs/adr/0014.
 */
export abstract class OrderEventsRepository<E> {
  constructor(
    private readonly ds: DataSource,
    /** schema-qualified, a constant of the subclass (never input) */
    private readonly table: string,
  ) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** the oldest unrelayed events, locked for this transaction; another relay skips them */
  async claimUnrelayed(em: EntityManager, limit: number): Promise<ClaimedEvent<E>[]> {
    const rows = await queryRows<{ id: string; event: E }>(
      em,
      `SELECT id::text AS id, event FROM ${this.table} WHERE relayed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows;
  }

  /** rows now carried by job `jobId` (a first relay or a re-add) */
  async markRelayed(ids: string[], jobId: string, em: EntityManager = this.ds.manager): Promise<void> {
    await em.query(
      `UPDATE ${this.table} SET relayed_at = now(), job_id = $2, relays = relays + 1 WHERE id = ANY($1::bigint[])`,
      [ids, jobId],
    );
  }

  /**
   * Jobs relayed at least `staleMs` ago (a relayed row still here is unconfirmed), oldest first, at most
   * `limit` jobs; jobs re-added `maxRelays` times are left for ops (their rows stay, visible).
   */
  async unconfirmedJobs(staleMs: number, maxRelays: number, limit: number): Promise<RelayedJob[]> {
    const rows = await queryRows<{ job_id: string; ids: string[]; relays: number }>(
      this.ds,
      `SELECT job_id, array_agg(id::text ORDER BY id) AS ids, max(relays)::int AS relays
         FROM ${this.table}
        WHERE relayed_at IS NOT NULL AND relayed_at < now() - make_interval(secs => $1::float8 / 1000)
          AND relays < $2
        GROUP BY job_id ORDER BY min(relayed_at) LIMIT $3`,
      [staleMs, maxRelays, limit],
    );
    return rows.map((r) => ({ jobId: r.job_id, ids: r.ids, relays: r.relays }));
  }

  async events(ids: string[]): Promise<E[]> {
    const rows = await queryRows<{ event: E }>(this.ds, `SELECT event FROM ${this.table} WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
    return rows.map((r) => r.event);
  }

  /** the consumer completed their job: the rows have done their work (deleted, not updated: one write less per event) */
  async confirm(ids: string[]): Promise<void> {
    await this.ds.query(`DELETE FROM ${this.table} WHERE id = ANY($1::bigint[])`, [ids]);
  }
}

/** order_sync.stock_events: catalog-sync's stock reservations */
@Injectable()
export class StockEventsRepository extends OrderEventsRepository<StockOrderEvent> {
  constructor(ds: DataSource) {
    super(ds, 'order_sync.stock_events');
  }
}

/** order_sync.coupon_events: apps/coupon's redemption count (issue 11 item 4) */
@Injectable()
export class CouponEventsRepository extends OrderEventsRepository<CouponOrderEvent> {
  constructor(ds: DataSource) {
    super(ds, 'order_sync.coupon_events');
  }
}
