import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Platform } from '@app/contracts';
import { computeSellable, SHARED_ALLOCATION, type Allocation, type SellableResult } from './sellable';
import { STOCK_OPTIONS, type StockOptions } from './stock.options';

export interface SkuMapping {
  shopId: string;
  platform: Platform;
  platformProductId: string;
  platformSkuId: string;
}

export interface StockSnapshot {
  skuId: string;
  merchantId: string;
  onHand: number;
  safetyStock: number;
  erpUpdatedAt: string | null;
  allocation: Allocation;
  liveSessionId: string | null;
  mappings: SkuMapping[];
  /** per shop: units the platform itself has taken off (reserved + consumed orders of that shop) */
  ownUnits: Record<string, number>;
  sellable: SellableResult;
}

export interface PushState {
  skuId: string;
  shopId: string;
  targetQuantity: number | null;
  lastPushedQuantity: number | null;
  ownUnitsAtPush: number;
  seq: number;
  version: number;
  pendingSeq: number | null;
  pendingDelta: number | null;
  pendingTarget: number | null;
  pendingOwnUnits: number | null;
  lastMode: string | null;
  pushes: number;
  pushedAt: Date | null;
  lastError: string | null;
  driftSeenQuantity: number | null;
  driftSeenAt: Date | null;
}

export type ReservationStatus = 'reserved' | 'consumed' | 'released';

export interface ReservationRow {
  skuId: string;
  shopId: string;
  platform: Platform;
  platformOrderId: string;
  quantity: number;
  status: ReservationStatus;
  orderUpdatedAt: string;
  /** when the platform sold the units (pay time; creation time for cash on delivery) */
  soldAt: string | null;
}

/** SQL of the stock feature (catalog_sync.stock_*), one statement per method (those that judge sales against the anchor behind lockPairs). */
@Injectable()
export class StockRepository {
  constructor(
    private readonly ds: DataSource,
    @Inject(STOCK_OPTIONS) private readonly opts: StockOptions,
  ) {}

  async snapshot(skuId: string, em: EntityManager = this.ds.manager): Promise<StockSnapshot | null> {
    const [row] = await em.query(
      `SELECT s.id, s.merchant_id, l.on_hand, l.safety_stock, l.erp_updated_at,
              a.mode, a.shares, a.ring_fenced_platform, a.ring_fenced_quantity, a.live_session_id,
              (SELECT coalesce(json_agg(json_build_object('shopId', m.shop_id, 'platform', m.platform,
                        'platformProductId', m.platform_product_id, 'platformSkuId', m.platform_sku_id) ORDER BY m.shop_id), '[]')
                 FROM catalog_sync.sku_mappings m JOIN core.shops sh ON sh.id = m.shop_id AND sh.status <> 'disabled'
                WHERE m.sku_id = s.id) AS mappings,
              (SELECT coalesce(json_agg(json_build_object('shopId', r.shop_id, 'held', r.held, 'own', r.own)), '[]')
                 FROM (SELECT shop_id,
                              coalesce(sum(quantity) FILTER (WHERE status = 'reserved'
                                 OR (status = 'consumed' AND (l.received_at IS NULL OR consumed_at > l.received_at))), 0)::int AS held,
                              coalesce(sum(quantity) FILTER (WHERE status IN ('reserved', 'consumed')), 0)::int AS own
                         FROM catalog_sync.stock_reservations WHERE sku_id = s.id GROUP BY shop_id) r) AS reservations
         FROM catalog_sync.skus s
         LEFT JOIN catalog_sync.stock_levels l ON l.sku_id = s.id
         LEFT JOIN catalog_sync.stock_allocations a ON a.sku_id = s.id
        WHERE s.id = $1`,
      [skuId],
    );
    if (!row) return null;
    const allocation: Allocation = row.mode
      ? {
          mode: row.mode,
          shares: row.shares ?? {},
          ringFenced: row.ring_fenced_platform ? { platform: row.ring_fenced_platform, quantity: row.ring_fenced_quantity ?? 0 } : null,
        }
      : SHARED_ALLOCATION;
    const mappings = row.mappings as SkuMapping[];
    const reservedByShop: Record<string, number> = {};
    const ownUnits: Record<string, number> = {};
    for (const r of row.reservations as { shopId: string; held: number; own: number }[]) {
      reservedByShop[r.shopId] = r.held;
      ownUnits[r.shopId] = r.own;
    }
    const onHand = row.on_hand ?? 0;
    const safetyStock = row.safety_stock ?? this.opts.safetyStockDefault;
    return {
      skuId: row.id,
      merchantId: row.merchant_id,
      onHand,
      safetyStock,
      erpUpdatedAt: row.erp_updated_at ? new Date(row.erp_updated_at).toISOString() : null,
      allocation,
      liveSessionId: row.live_session_id ?? null,
      mappings,
      ownUnits,
      sellable: computeSellable({ onHand, safetyStock, allocation, shops: mappings, reservedByShop }),
    };
  }

  /** SKU ids by (merchant, ERP code). */
  async skusByCode(merchantId: string, codes: string[]): Promise<Map<string, string>> {
    const rows: { id: string; erp_sku_code: string }[] = await this.ds.query(
      `SELECT id, erp_sku_code FROM catalog_sync.skus WHERE merchant_id = $1 AND erp_sku_code = ANY($2::text[])`,
      [merchantId, codes],
    );
    return new Map(rows.map((r) => [r.erp_sku_code, r.id]));
  }

  /**
   * Upserts ERP levels; a report older than the stored one is skipped. Returns the SKU ids written.
   */
  async upsertLevels(rows: { skuId: string; onHand: number; safetyStock: number | null; asOf: string }[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const written: { sku_id: string }[] = await this.ds.query(
      `INSERT INTO catalog_sync.stock_levels (sku_id, on_hand, safety_stock, erp_updated_at, received_at)
       SELECT * , now() FROM unnest($1::uuid[], $2::int[], $3::int[], $4::timestamptz[])
       ON CONFLICT (sku_id) DO UPDATE SET on_hand = EXCLUDED.on_hand,
              safety_stock = coalesce(EXCLUDED.safety_stock, catalog_sync.stock_levels.safety_stock),
              erp_updated_at = EXCLUDED.erp_updated_at, received_at = now()
        WHERE catalog_sync.stock_levels.erp_updated_at <= EXCLUDED.erp_updated_at
       RETURNING sku_id`,
      [rows.map((r) => r.skuId), rows.map((r) => r.onHand), rows.map((r) => r.safetyStock), rows.map((r) => r.asOf)],
    );
    return written.map((w) => w.sku_id);
  }

  async upsertAllocation(skuId: string, a: Allocation, liveSessionId: string | null): Promise<void> {
    await this.ds.query(
      `INSERT INTO catalog_sync.stock_allocations (sku_id, mode, shares, ring_fenced_platform, ring_fenced_quantity, live_session_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (sku_id) DO UPDATE SET mode = EXCLUDED.mode, shares = EXCLUDED.shares,
              ring_fenced_platform = EXCLUDED.ring_fenced_platform, ring_fenced_quantity = EXCLUDED.ring_fenced_quantity,
              live_session_id = EXCLUDED.live_session_id, updated_at = now()`,
      [skuId, a.mode, JSON.stringify(a.shares), a.ringFenced?.platform ?? null, a.ringFenced?.quantity ?? null, liveSessionId],
    );
  }

  /**
   * Resolves order lines to SKUs by explicit keys only: the shop's mapping of the platform SKU id
   * first, else the ERP code within the shop's merchant. Unresolved lines come back as null.
   */
  async resolveSkus(keys: { shopId: string; erpSkuCode: string | null; platformSkuId: string }[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    const rows: { i: number; sku_id: string | null }[] = await this.ds.query(
      `SELECT k.i, coalesce(m.sku_id, s.id) AS sku_id
         FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS k(shop_id, code, psku, i)
         LEFT JOIN catalog_sync.sku_mappings m ON m.shop_id = k.shop_id AND m.platform_sku_id = k.psku
         LEFT JOIN core.shops sh ON sh.id = k.shop_id
         LEFT JOIN catalog_sync.skus s ON s.merchant_id = sh.merchant_id AND s.erp_sku_code = k.code
        ORDER BY k.i`,
      [keys.map((k) => k.shopId), keys.map((k) => k.erpSkuCode), keys.map((k) => k.platformSkuId)],
    );
    return rows.map((r) => r.sku_id);
  }

  /** order lines no SKU of ours matches, counted per (shop, platform SKU) for the exception inbox (unmapped_sku) */
  async recordUnmapped(lines: { shopId: string; platformSkuId: string; erpSkuCode: string | null; orderId: string }[]): Promise<void> {
    if (lines.length === 0) return;
    await this.ds.query(
      `INSERT INTO catalog_sync.unmapped_skus AS u (shop_id, platform_sku_id, erp_sku_code, lines, last_order_id)
       SELECT k.shop_id, k.psku, max(k.code), count(*)::int, max(k.order_id)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS k(shop_id, psku, code, order_id)
         JOIN core.shops sh ON sh.id = k.shop_id
        GROUP BY k.shop_id, k.psku
        ORDER BY k.shop_id, k.psku -- one lock order for concurrent batches naming the same SKUs (no deadlock)
       ON CONFLICT (shop_id, platform_sku_id) DO UPDATE SET lines = u.lines + EXCLUDED.lines, last_order_id = EXCLUDED.last_order_id,
              last_seen_at = now(), erp_sku_code = coalesce(EXCLUDED.erp_sku_code, u.erp_sku_code)`,
      [lines.map((l) => l.shopId), lines.map((l) => l.platformSkuId), lines.map((l) => l.erpSkuCode), lines.map((l) => l.orderId)],
    );
  }

  /**
   * Idempotent per (shop, order, SKU): a new key is inserted in its status; an existing one only
   * moves forward from 'reserved' (to consumed or released). Returns the SKU ids whose holdings changed.
   */
  async applyReservations(rows: ReservationRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    // A sale first heard of now but made before the belief's anchor (a full push or a platform read) is in the
    // anchored figure already: own_units_at_push takes it too, so the belief (last pushed - units sold since)
    // does not take it off a second time. Sales made after the anchor (or under a delta push, which lands on
    // the platform's own figure) do lower the belief. Platform times are whole seconds (Douyin, Taobao): a
    // sale in the anchor's own second may have come after it, so only sales a full second before count as
    // absorbed — taking one as absorbed wrongly raises the belief and triggers a needless full push, which
    // during a flash sale overwrites decrements the platform made for orders still on their way.
    // A full push in flight (startFullPush) is judged the same way against its start: a sale made before it is
    // in the figure being pushed, so it is counted in absorbed_in_flight, which recordPush adds to the belief.
    // Under the pairs' locks (lockPairs) the statement's snapshot is taken after any startFullPush / recordPush
    // of the same (SKU, shop) has committed, so the anchor it judges by is the one that holds when it commits.
    const changed: { sku_id: string }[] = await this.ds.transaction(async (em) => {
      await lockPairs(em, rows);
      return em.query(
      `WITH k AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[], $7::timestamptz[], $8::timestamptz[])
                AS k(sku_id, shop_id, platform, order_id, qty, status, updated_at, sold_at)
       ), ins AS (
         INSERT INTO catalog_sync.stock_reservations AS r
                (sku_id, shop_id, platform, platform_order_id, quantity, status, order_updated_at, consumed_at, released_at)
         SELECT k.sku_id, k.shop_id, k.platform, k.order_id, k.qty, k.status, k.updated_at,
                CASE WHEN k.status = 'consumed' THEN now() END, CASE WHEN k.status = 'released' THEN now() END
           FROM k
         ON CONFLICT (shop_id, platform_order_id, sku_id) DO UPDATE SET
                status = EXCLUDED.status, order_updated_at = EXCLUDED.order_updated_at,
                consumed_at = CASE WHEN EXCLUDED.status = 'consumed' THEN now() ELSE r.consumed_at END,
                released_at = CASE WHEN EXCLUDED.status = 'released' THEN now() ELSE r.released_at END
          WHERE r.status = 'reserved' AND EXCLUDED.status <> 'reserved'
         RETURNING r.sku_id, r.shop_id, r.platform, r.platform_order_id, r.quantity, r.status, (r.xmax = 0) AS inserted
       ), absorbed AS (
         -- per (SKU, shop): units the current anchor absorbs, and units a full push in flight absorbs
         SELECT i.sku_id, i.shop_id,
                coalesce(sum(i.quantity) FILTER (WHERE k.sold_at + interval '1 second' < sp.anchored_at), 0)::int AS anchored,
                coalesce(sum(i.quantity) FILTER (WHERE k.sold_at + interval '1 second' < sp.full_push_started_at), 0)::int AS in_flight
           FROM ins i
           JOIN k ON k.sku_id = i.sku_id AND k.shop_id = i.shop_id AND k.order_id = i.platform_order_id
           JOIN catalog_sync.stock_pushes sp ON sp.sku_id = i.sku_id AND sp.shop_id = i.shop_id
          WHERE i.inserted AND i.status <> 'released'
          GROUP BY i.sku_id, i.shop_id
       ), bumped AS (
         UPDATE catalog_sync.stock_pushes sp
            SET own_units_at_push = sp.own_units_at_push + a.anchored, absorbed_in_flight = sp.absorbed_in_flight + a.in_flight
           FROM absorbed a WHERE sp.sku_id = a.sku_id AND sp.shop_id = a.shop_id AND (a.anchored > 0 OR a.in_flight > 0)
       )
       SELECT sku_id FROM ins`,
      [
        rows.map((r) => r.skuId),
        rows.map((r) => r.shopId),
        rows.map((r) => r.platform),
        rows.map((r) => r.platformOrderId),
        rows.map((r) => r.quantity),
        rows.map((r) => r.status),
        rows.map((r) => r.orderUpdatedAt),
        rows.map((r) => r.soldAt),
      ],
      );
    });
    return [...new Set(changed.map((c) => c.sku_id))];
  }

  async mappingsOf(skuIds: string[]): Promise<{ skuId: string; shopId: string }[]> {
    if (skuIds.length === 0) return [];
    const rows: { sku_id: string; shop_id: string }[] = await this.ds.query(
      `SELECT m.sku_id, m.shop_id FROM catalog_sync.sku_mappings m JOIN core.shops sh ON sh.id = m.shop_id AND sh.status <> 'disabled'
        WHERE m.sku_id = ANY($1::uuid[]) ORDER BY m.sku_id, m.shop_id`,
      [skuIds],
    );
    return rows.map((r) => ({ skuId: r.sku_id, shopId: r.shop_id }));
  }

  async pushState(skuId: string, shopId: string): Promise<PushState | null> {
    const [r] = await this.ds.query(`SELECT * FROM catalog_sync.stock_pushes WHERE sku_id = $1 AND shop_id = $2`, [skuId, shopId]);
    return r ? toPushState(r) : null;
  }

  async pushStates(skuId: string): Promise<PushState[]> {
    const rows = await this.ds.query(`SELECT * FROM catalog_sync.stock_pushes WHERE sku_id = $1`, [skuId]);
    return rows.map(toPushState);
  }

  /** the oldest-checked push rows first, for the drift check */
  async pushStatesForDrift(limit: number): Promise<PushState[]> {
    const rows = await this.ds.query(
      `SELECT p.* FROM catalog_sync.stock_pushes p ORDER BY coalesce(p.drift_seen_at, p.pushed_at) NULLS FIRST LIMIT $1`,
      [limit],
    );
    return rows.map(toPushState);
  }

  async saveTarget(skuId: string, shopId: string, target: number): Promise<void> {
    await this.ds.query(
      `INSERT INTO catalog_sync.stock_pushes (sku_id, shop_id, target_quantity) VALUES ($1, $2, $3)
       ON CONFLICT (sku_id, shop_id) DO UPDATE SET target_quantity = EXCLUDED.target_quantity`,
      [skuId, shopId, target],
    );
  }

  /** written before a delta call so a retry re-sends the same delta under the same idempotency id */
  async savePending(skuId: string, shopId: string, p: { seq: number; delta: number; target: number; ownUnits: number }): Promise<void> {
    await this.ds.query(
      `UPDATE catalog_sync.stock_pushes SET pending_seq = $3, pending_delta = $4, pending_target = $5, pending_own_units = $6, seq = $3
        WHERE sku_id = $1 AND shop_id = $2`,
      [skuId, shopId, p.seq, p.delta, p.target, p.ownUnits],
    );
  }

  /**
   * Written just before a full (anchoring) push is sent: from now until recordPush, a sale first heard of that
   * was made before this moment is one the pushed figure already absorbs (applyReservations counts it in
   * absorbed_in_flight). The shop's own units are read here, not from the job's earlier snapshot, so a sale
   * heard of between the snapshot and the push counts as absorbed too (the platform took it off before our
   * overwrite; the reservation's own sync job then takes it off the pushed figure).
   */
  async startFullPush(skuId: string, shopId: string): Promise<void> {
    await this.ds.transaction(async (em) => {
      await lockPairs(em, [{ skuId, shopId }]);
      await em.query(
      `UPDATE catalog_sync.stock_pushes sp SET full_push_started_at = now(), absorbed_in_flight = 0,
              own_units_at_start = (SELECT coalesce(sum(r.quantity) FILTER (WHERE r.status IN ('reserved', 'consumed')), 0)::int
                                      FROM catalog_sync.stock_reservations r WHERE r.sku_id = sp.sku_id AND r.shop_id = sp.shop_id)
        WHERE sku_id = $1 AND shop_id = $2`,
      [skuId, shopId],
      );
    });
  }

  /**
   * `anchor` (default: a full push anchors): the belief is now an absolute figure as of the push's start
   * (startFullPush; see applyReservations), counting as the shop's own units those at the start plus the sales
   * made before it that were heard of while it was in flight. Without a start, as of now with `ownUnits`.
   */
  async recordPush(skuId: string, shopId: string, p: { quantity: number; ownUnits: number; mode: 'full' | 'delta'; anchor?: boolean }): Promise<void> {
    await this.ds.transaction(async (em) => {
      await lockPairs(em, [{ skuId, shopId }]);
      await em.query(
      `UPDATE catalog_sync.stock_pushes SET last_pushed_quantity = $3, last_mode = $5,
              own_units_at_push = CASE WHEN $6 AND full_push_started_at IS NOT NULL THEN own_units_at_start + absorbed_in_flight ELSE $4 END,
              pending_seq = NULL, pending_delta = NULL, pending_target = NULL, pending_own_units = NULL,
              pushes = pushes + 1, pushed_at = now(), last_error = NULL, version = version + 1,
              drift_seen_quantity = NULL, drift_seen_at = NULL,
              anchored_at = CASE WHEN $6 THEN coalesce(full_push_started_at, now()) ELSE anchored_at END,
              full_push_started_at = NULL, own_units_at_start = NULL, absorbed_in_flight = 0
        WHERE sku_id = $1 AND shop_id = $2`,
      [skuId, shopId, p.quantity, p.ownUnits, p.mode, p.anchor ?? p.mode === 'full'],
      );
    });
  }

  async clearPending(skuId: string, shopId: string): Promise<void> {
    await this.ds.query(
      `UPDATE catalog_sync.stock_pushes SET pending_seq = NULL, pending_delta = NULL, pending_target = NULL, pending_own_units = NULL
        WHERE sku_id = $1 AND shop_id = $2`,
      [skuId, shopId],
    );
  }

  async recordError(skuId: string, shopId: string, error: string): Promise<void> {
    await this.ds.query(`UPDATE catalog_sync.stock_pushes SET last_error = $3 WHERE sku_id = $1 AND shop_id = $2`, [skuId, shopId, error]);
  }

  async markDriftSeen(s: PushState, platformQuantity: number | null): Promise<void> {
    await this.ds.query(
      `UPDATE catalog_sync.stock_pushes SET drift_seen_quantity = $3, drift_seen_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() END
        WHERE sku_id = $1 AND shop_id = $2 AND version = $4`,
      [s.skuId, s.shopId, platformQuantity, s.version],
    );
  }

  /** believed := what the platform shows, if nothing was pushed since `s` was read (compare-and-set on version) */
  async adoptPlatformFigure(s: PushState, platformQuantity: number, ownUnits: number): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `UPDATE catalog_sync.stock_pushes SET last_pushed_quantity = $3, own_units_at_push = $4, version = version + 1,
              drift_seen_quantity = NULL, drift_seen_at = NULL, anchored_at = now()
        WHERE sku_id = $1 AND shop_id = $2 AND version = $5 AND pending_seq IS NULL
       RETURNING 1`,
      [s.skuId, s.shopId, platformQuantity, ownUnits, s.version],
    );
    return rows.length > 0;
  }

  async logDrift(e: { skuId: string; shopId: string; platformQuantity: number; expected: number | null; target: number; action: 'observed' | 'corrected'; reason: string }): Promise<void> {
    await this.ds.query(
      `INSERT INTO catalog_sync.stock_drift_log (sku_id, shop_id, platform_quantity, expected_quantity, target_quantity, action, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [e.skuId, e.shopId, e.platformQuantity, e.expected, e.target, e.action, e.reason],
    );
  }
}

function toPushState(r: Record<string, unknown>): PushState {
  const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    skuId: r.sku_id as string,
    shopId: r.shop_id as string,
    targetQuantity: n(r.target_quantity),
    lastPushedQuantity: n(r.last_pushed_quantity),
    ownUnitsAtPush: Number(r.own_units_at_push),
    seq: Number(r.seq),
    version: Number(r.version),
    pendingSeq: n(r.pending_seq),
    pendingDelta: n(r.pending_delta),
    pendingTarget: n(r.pending_target),
    pendingOwnUnits: n(r.pending_own_units),
    lastMode: (r.last_mode as string | null) ?? null,
    pushes: Number(r.pushes),
    pushedAt: (r.pushed_at as Date | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    driftSeenQuantity: n(r.drift_seen_quantity),
    driftSeenAt: (r.drift_seen_at as Date | null) ?? null,
  };
}

/** What the platform shows by our books: the last pushed figure minus the platform's own sales since. */
export function believedQuantity(s: PushState | null, ownUnitsNow: number): number | null {
  if (!s || s.lastPushedQuantity === null) return null;
  return s.lastPushedQuantity - (ownUnitsNow - s.ownUnitsAtPush);
}

/**
 * Serializes, per (SKU, shop), the writes that judge a sale against the belief's anchor: applyReservations,
 * startFullPush and recordPush. Each runs its statement after taking the pair's transaction-scoped advisory
 * lock, so that statement's snapshot sees whatever the others committed before it. Without it, a reservation
 * whose statement read the row while a full push was in flight but updated it after recordPush had committed
 * added its units to absorbed_in_flight of a push already recorded — lost, so the sale was taken off twice
 * (a row lock is not enough: the second statement's subqueries keep their earlier snapshot). An advisory lock
 * works before the stock_pushes row exists too. Locks are taken in hash order, so two batches cannot deadlock.
 */
async function lockPairs(em: EntityManager, pairs: readonly { skuId: string; shopId: string }[]): Promise<void> {
  await em.query(
    `SELECT pg_advisory_xact_lock(h) FROM (
       SELECT DISTINCT hashtext('catalog_sync.stock_pushes:' || k) AS h FROM unnest($1::text[]) AS k ORDER BY h
     ) s`,
    [pairs.map((p) => `${p.skuId}/${p.shopId}`)],
  );
}
