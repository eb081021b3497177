import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ShopContext } from '@app/platforms';
import { recordRefusals, type Refusal } from '../orders/platform-answer';
import { queryRows } from '../shared/sql';

/** a shop's poll cursor (order_sync.poll_cursors), as the poller reads it */
export interface PollCursor {
  cursorAt: Date;
  windowFrom: Date | null;
  windowTo: Date | null;
  pageState: string | null;
  fastUntil: Date | null;
  deepAt: Date | null;
  startedAt: Date | null;
}

/** the cursor a page's transaction writes (fast_until is adjustCadence's: never written here) */
export interface CursorWrite {
  shopId: string;
  cursorAt: Date;
  windowFrom: Date | null;
  windowTo: Date | null;
  pageState: string | null;
  /** this run re-read the deep overlap (null: keep the stored deep_at) */
  deepAt: Date | null;
  /** when this shop's polling began (kept from the first write: the conflict leaves it) */
  startedAt: Date | null;
}

/** a stored order's version, as the poll compares it with a listed one */
export interface StoredVersion {
  platformOrderId: string;
  platformUpdatedAt: Date;
  statusRank: number;
}

interface CursorRow {
  cursor_at: Date;
  window_from: Date | null;
  window_to: Date | null;
  page_state: string | null;
  fast_until: Date | null;
  deep_at: Date | null;
  started_at: Date | null;
}

/**
 * Every statement of the poller (OrderPollService, PollSchedulerService): its cursors (order_sync.poll_cursors),
 * the reads of stored orders and waiting push messages that decide what a page writes, and the found-by-poll
 * mark. The orders themselves are written by OrderUpsertRepository, in this repository's transaction.
 */
@Injectable()
export class PollCursorsRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  async cursor(shopId: string): Promise<PollCursor | undefined> {
    const rows: CursorRow[] = await this.ds.query(
      `SELECT cursor_at, window_from, window_to, page_state, fast_until, deep_at, started_at FROM order_sync.poll_cursors WHERE shop_id = $1`,
      [shopId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      cursorAt: r.cursor_at,
      windowFrom: r.window_from,
      windowTo: r.window_to,
      pageState: r.page_state,
      fastUntil: r.fast_until,
      deepAt: r.deep_at,
      startedAt: r.started_at,
    };
  }

  /** the cursor advance, in the transaction of the page it covers */
  async saveCursor(em: EntityManager, c: CursorWrite): Promise<void> {
    await em.query(
      `INSERT INTO order_sync.poll_cursors (shop_id, cursor_at, window_from, window_to, page_state, deep_at, started_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now())
           ON CONFLICT (shop_id) DO UPDATE SET cursor_at = excluded.cursor_at, window_from = excluded.window_from,
             window_to = excluded.window_to, page_state = excluded.page_state,
             deep_at = coalesce(excluded.deep_at, order_sync.poll_cursors.deep_at), updated_at = now()`,
      [c.shopId, c.cursorAt, c.windowFrom, c.windowTo, c.pageState, c.deepAt, c.startedAt],
    );
  }

  /** the orders a page's answer refused (orders_refused), in the page's transaction */
  async recordRefusals(em: EntityManager, shop: Pick<ShopContext, 'shopId' | 'platform'>, refused: Refusal[]): Promise<void> {
    await recordRefusals(em, shop, refused);
  }

  /**
   * Marks the orders whose first ERP delivery this write created while no push for their paid state had
   * arrived (no inbox row of the shop and order with an event time from the SLA start on, 1 s for platforms
   * that send whole seconds; an inbox row without an event time counts as such a push). `pushes`: the push
   * outbox rows the write created. Returns how many.
   */
  async markFoundByPoll(em: EntityManager, pushes: string[], pollingSince: Date | null): Promise<number> {
    if (pushes.length === 0) return 0;
    const rows = await queryRows<{ id: string }>(
      em,
      `UPDATE order_sync.orders o SET found_by_poll_at = now()
         FROM order_sync.outbox b
        WHERE b.id = ANY($1::bigint[]) AND o.id = b.order_id AND o.found_by_poll_at IS NULL
          AND o.sla_started_at >= $2::timestamptz
          AND NOT EXISTS (SELECT 1 FROM order_sync.outbox e WHERE e.order_id = o.id AND e.kind = 'push' AND e.version < b.version)
          AND NOT EXISTS (
            SELECT 1 FROM order_sync.inbox i
             WHERE i.platform = o.platform AND i.platform_order_id = o.platform_order_id AND i.shop_id = o.shop_id
               AND (i.occurred_at IS NULL OR i.occurred_at >= o.sla_started_at - interval '1 second'))
       RETURNING o.id`,
      [pushes, pollingSince ?? '-infinity'],
    );
    return rows.length;
  }

  /**
   * `found`: holds the shop at the fast cadence for `holdMs` from now; else keeps a deadline still ahead and
   * clears a past one. Returns the shop's deadline after the update (null: normal cadence).
   */
  async holdFast(shopId: string, found: boolean, holdMs: number): Promise<Date | null> {
    const rows = await queryRows<{ fast_until: Date | null }>(
      this.ds,
      `UPDATE order_sync.poll_cursors
          SET fast_until = CASE WHEN $2 THEN now() + make_interval(secs => $3 / 1000.0)
                                WHEN fast_until > now() THEN fast_until END
        WHERE shop_id = $1
       RETURNING fast_until`,
      [shopId, found, holdMs],
    );
    return rows[0]?.fast_until ?? null;
  }

  /** of `shopIds`, those whose cursor holds them at the fast cadence now */
  async fastShops(shopIds: string[]): Promise<Set<string>> {
    if (shopIds.length === 0) return new Set();
    const fast: { shop_id: string }[] = await this.ds.query(
      `SELECT shop_id FROM order_sync.poll_cursors WHERE shop_id = ANY($1::uuid[]) AND fast_until > now()`,
      [shopIds],
    );
    return new Set(fast.map((r) => r.shop_id));
  }

  /** the stored version (update time and status rank) of the shop's orders among `ids` */
  async storedVersions(shopId: string, ids: string[]): Promise<StoredVersion[]> {
    const rows = (await this.ds.query(
      `SELECT platform_order_id, platform_updated_at, status_rank FROM order_sync.orders WHERE shop_id = $1 AND platform_order_id = ANY($2::text[])`,
      [shopId, ids],
    )) as { platform_order_id: string; platform_updated_at: Date; status_rank: number }[];
    return rows.map((r) => ({ platformOrderId: r.platform_order_id, platformUpdatedAt: r.platform_updated_at, statusRank: r.status_rank }));
  }

  /** per stored order of the shop among `ids`: its platform update time (ms) */
  async storedUpdatedAt(shopId: string, ids: string[]): Promise<Map<string, number>> {
    const rows = (await this.ds.query(
      `SELECT platform_order_id, platform_updated_at FROM order_sync.orders WHERE shop_id = $1 AND platform_order_id = ANY($2::text[])`,
      [shopId, ids],
    )) as { platform_order_id: string; platform_updated_at: Date }[];
    return new Map(rows.map((r) => [r.platform_order_id, r.platform_updated_at.getTime()]));
  }

  /**
   * Per order id: the latest event time (ms) of this shop's pending push messages received in the last
   * `withinMs` — a push the ingest is about to handle.
   */
  async waitingPushes(shop: Pick<ShopContext, 'shopId' | 'platform'>, ids: string[], withinMs: number): Promise<Map<string, number>> {
    const rows: { platform_order_id: string; pushed_at: Date }[] = await this.ds.query(
      `SELECT i.platform_order_id, max(coalesce(i.occurred_at, i.received_at)) AS pushed_at
         FROM order_sync.inbox i
        WHERE i.platform = $4 AND i.platform_order_id = ANY($2::text[]) AND i.shop_id = $1 AND i.status = 'pending'
          AND i.received_at > now() - make_interval(secs => $3 / 1000.0)
        GROUP BY i.platform_order_id`,
      [shop.shopId, ids, withinMs, shop.platform],
    );
    return new Map(rows.map((r) => [r.platform_order_id, r.pushed_at.getTime()]));
  }
}
