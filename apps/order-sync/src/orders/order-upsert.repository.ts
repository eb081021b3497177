import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ORDER_STATUS_RANK, isCouponRelevant, toCouponOrderEvent, toStockOrderEvent, type CanonicalOrder, type OrderStatus, type Platform } from '@app/contracts';
import { BuyerVault, orderRowId, toOutboxPayload } from './buyer-vault';
import { ALLOWED_TRANSITION_PAIRS, deliveryFor, isAllowedTransition, type DeliveryKind } from './order-transitions';
import { isNewer, slaStart } from './order-row';

export interface OutboxRef {
  outboxId: string;
  kind: DeliveryKind;
  /** whose ERP the row goes to (null: the default ERP); absent when the producer did not read it */
  merchantId?: string | null;
  /** the order's platform (metrics); absent when the producer did not read it */
  platform?: string;
}

/** one applied order change: the stored row's id and new version, and the canonical order written */
export interface ChangedOrder {
  orderId: string;
  version: number;
  order: CanonicalOrder;
}

export interface UpsertSummary {
  /** candidates after collapsing duplicates of one order */
  considered: number;
  /** orders inserted or changed (one new version each) */
  changed: number;
  rejected: number;
  outbox: OutboxRef[];
  /** every order inserted or changed by this call, whether or not it has an outbox row; each has its stock event (order_sync.stock_events) */
  changedOrders: ChangedOrder[];
  /** SQL statements issued (for tests / capacity planning) */
  statements: number;
}

interface ExistingRow {
  id: string;
  platform: Platform;
  shop_id: string;
  platform_order_id: string;
  status: OrderStatus;
  status_rank: number;
  platform_updated_at: Date;
  buyer_enc: Buffer;
}

interface ChangedRow {
  id: string;
  shop_id: string;
  platform_order_id: string;
  version: number;
  status: OrderStatus;
}

/** an order's identity: its shop and the platform's order id (the table's unique key) */
const key = (shopId: string, platformOrderId: string): string => `${shopId}\u0000${platformOrderId}`;

const UPSERT_SQL = `
  INSERT INTO order_sync.orders AS o (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at,
    status_rank, pay_time, created_at_platform, cod, sla_started_at, total_fen, paid_fen, shipping_fen, discount_fen,
    buyer_enc, items, refund_status, id)
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::smallint[],
    $8::timestamptz[], $9::timestamptz[], $10::bool[], $11::timestamptz[], $12::bigint[], $13::bigint[], $14::bigint[],
    $15::bigint[], $16::bytea[], $17::jsonb[], $18::text[], $20::uuid[])
  ON CONFLICT (shop_id, platform_order_id) DO UPDATE SET
    status = excluded.status,
    platform_status = excluded.platform_status,
    platform_updated_at = excluded.platform_updated_at,
    status_rank = excluded.status_rank,
    pay_time = excluded.pay_time,
    created_at_platform = excluded.created_at_platform,
    cod = excluded.cod,
    -- the SLA clock, once started at the platform's pay time, survives a later version without one
    sla_started_at = COALESCE(excluded.sla_started_at, o.sla_started_at),
    total_fen = excluded.total_fen,
    paid_fen = excluded.paid_fen,
    shipping_fen = excluded.shipping_fen,
    discount_fen = excluded.discount_fen,
    buyer_enc = excluded.buyer_enc,
    items = excluded.items,
    refund_status = excluded.refund_status,
    version = o.version + 1,
    change_seq = nextval('order_sync.orders_change_seq'),
    change_xid = pg_current_xact_id(),
    updated_at = now()
  WHERE (excluded.platform_updated_at, excluded.status_rank) > (o.platform_updated_at, o.status_rank)
    AND (o.status || '>' || excluded.status) = ANY($19::text[])
    AND (excluded.status, excluded.platform_status, excluded.refund_status, excluded.pay_time, excluded.cod,
         excluded.total_fen, excluded.paid_fen, excluded.shipping_fen, excluded.discount_fen, excluded.items, excluded.buyer_enc)
      IS DISTINCT FROM
        (o.status, o.platform_status, o.refund_status, o.pay_time, o.cod,
         o.total_fen, o.paid_fen, o.shipping_fen, o.discount_fen, o.items, o.buyer_enc)
  RETURNING o.id, o.shop_id, o.platform_order_id, o.version, o.status`;

/**
 * The one write path for orders (push messages and polls alike). Per call, inside the caller's
 * transaction: lock the stored versions, drop stale candidates, record illegal transitions, then ONE
 * multi-row upsert-if-newer, ONE insert of rejected transitions, ONE insert of outbox rows, ONE insert of stock events.
 *
 * Orders are keyed by (shop, platform order id) and a row's shop never changes: a candidate is always the
 * order of the shop it names (callers set shopId to the shop that asked the platform). The buyer is sealed
 * once per written order (BuyerVault, bound to the row id) and the same blob goes into the outbox payload;
 * an unchanged buyer keeps its stored blob, so it does not count as a change.
 */
@Injectable()
export class OrderUpsertRepository {
  constructor(private readonly vault: BuyerVault) {}

  async apply(em: EntityManager, candidates: CanonicalOrder[]): Promise<UpsertSummary> {
    const summary: UpsertSummary = { considered: 0, changed: 0, rejected: 0, outbox: [], changedOrders: [], statements: 0 };
    // collapse several versions of one order to the newest, then sort: a fixed lock order avoids deadlocks
    const latest = new Map<string, CanonicalOrder>();
    for (const c of candidates) {
      const k = key(c.shopId, c.platformOrderId);
      const cur = latest.get(k);
      if (!cur || isNewer(c, { updatedAt: Date.parse(cur.updatedAt), rank: ORDER_STATUS_RANK[cur.status] })) latest.set(k, c);
    }
    const sorted = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
    summary.considered = sorted.length;
    if (sorted.length === 0) return summary;

    const existing: ExistingRow[] = await em.query(
      `SELECT id, platform, shop_id, platform_order_id, status, status_rank, platform_updated_at, buyer_enc
         FROM order_sync.orders
        WHERE (shop_id, platform_order_id) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))
        ORDER BY shop_id, platform_order_id
        FOR UPDATE`,
      [sorted.map((c) => c.shopId), sorted.map((c) => c.platformOrderId)],
    );
    summary.statements += 1;
    const stored = new Map(existing.map((r) => [key(r.shop_id, r.platform_order_id), r]));

    const toWrite: CanonicalOrder[] = [];
    const rejected: { row: ExistingRow; order: CanonicalOrder }[] = [];
    for (const c of sorted) {
      const row = stored.get(key(c.shopId, c.platformOrderId));
      if (!row) {
        toWrite.push(c);
        continue;
      }
      if (!isNewer(c, { updatedAt: row.platform_updated_at.getTime(), rank: row.status_rank })) continue;
      if (!isAllowedTransition(row.status, c.status)) rejected.push({ row, order: c });
      else toWrite.push(c);
    }

    let changed: ChangedRow[] = [];
    // row id and sealed buyer of each order written: one seal per order (none when the buyer is unchanged)
    const ids: string[] = [];
    const sealed: Buffer[] = [];
    for (const c of toWrite) {
      const row = stored.get(key(c.shopId, c.platformOrderId));
      const id = row?.id ?? orderRowId(c.shopId, c.platformOrderId);
      const buyer = JSON.stringify(c.buyer);
      ids.push(id);
      sealed.push(row && this.vault.openText(id, row.buyer_enc) === buyer ? row.buyer_enc : this.vault.seal(id, c.buyer));
    }
    if (toWrite.length > 0) {
      changed = await em.query(UPSERT_SQL, [
        toWrite.map((c) => c.platform),
        toWrite.map((c) => c.shopId),
        toWrite.map((c) => c.platformOrderId),
        toWrite.map((c) => c.status),
        toWrite.map((c) => c.platformStatus),
        toWrite.map((c) => c.updatedAt),
        toWrite.map((c) => ORDER_STATUS_RANK[c.status]),
        toWrite.map((c) => c.paidAt),
        toWrite.map((c) => c.createdAt),
        toWrite.map((c) => c.cashOnDelivery),
        toWrite.map((c) => slaStart(c)),
        toWrite.map((c) => c.totalFen),
        toWrite.map((c) => c.paidFen),
        toWrite.map((c) => c.shippingFen),
        toWrite.map((c) => c.discountFen),
        sealed,
        toWrite.map((c) => JSON.stringify(c.items)),
        toWrite.map((c) => c.refundStatus),
        ALLOWED_TRANSITION_PAIRS,
        ids,
      ]);
      summary.statements += 1;
      summary.changed = changed.length;
    }

    if (rejected.length > 0) {
      await em.query(
        `INSERT INTO order_sync.order_transitions_rejected
           (order_id, platform, platform_order_id, from_status, to_status, platform_updated_at, platform_status)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])`,
        [
          rejected.map((r) => r.row.id),
          rejected.map((r) => r.order.platform),
          rejected.map((r) => r.order.platformOrderId),
          rejected.map((r) => r.row.status),
          rejected.map((r) => r.order.status),
          rejected.map((r) => r.order.updatedAt),
          rejected.map((r) => r.order.platformStatus),
        ],
      );
      summary.statements += 1;
      summary.rejected = rejected.length;
    }

    const byKey = new Map(toWrite.map((c, i) => [key(c.shopId, c.platformOrderId), { order: c, id: ids[i], sealed: sealed[i] }]));
    const outbox: { orderId: string; version: number; kind: DeliveryKind; payload: string; shopId: string }[] = [];
    for (const r of changed) {
      const k = key(r.shop_id, r.platform_order_id);
      const prev = stored.get(k)?.status ?? null;
      const w = byKey.get(k);
      const kind = deliveryFor(prev, r.status, w?.order.paidAt != null);
      if (w) summary.changedOrders.push({ orderId: r.id, version: r.version, order: w.order });
      // the blob is bound to the id it was sealed under: the row's, unless a concurrent insert won with another id
      const blob = w && (w.id === r.id ? w.sealed : this.vault.seal(r.id, w.order.buyer));
      if (kind && w && blob) {
        outbox.push({ orderId: r.id, version: r.version, kind, payload: JSON.stringify(toOutboxPayload(w.order, blob)), shopId: w.order.shopId });
      }
    }
    if (outbox.length > 0) {
      // the merchant (whose ERP gets the row) comes from the order's shop, by primary key
      const rows: { id: string; kind: DeliveryKind; merchant_id: string | null; platform: string }[] = await em.query(
        `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload, merchant_id)
         SELECT o.order_id, o.version, o.kind, o.order_id::text || '-v' || o.version, o.payload, s.merchant_id
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::jsonb[], $5::uuid[]) AS o(order_id, version, kind, payload, shop_id)
           LEFT JOIN core.shops s ON s.id = o.shop_id
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id::text AS id, kind, merchant_id, payload->>'platform' AS platform`,
        [outbox.map((o) => o.orderId), outbox.map((o) => o.version), outbox.map((o) => o.kind), outbox.map((o) => o.payload), outbox.map((o) => o.shopId)],
      );
      summary.statements += 1;
      summary.outbox = rows.map((r) => ({ outboxId: r.id, kind: r.kind, merchantId: r.merchant_id, platform: r.platform }));
    }
    // the stock-event outbox (docs/adr/0014): catalog-sync's reservations follow every applied change
    summary.statements += await insertOrderEvents(em, 'order_sync.stock_events', summary.changedOrders, (o) => toStockOrderEvent(o));
    // the coupon-event outbox (docs/adr/0015): changes naming a coupon line, and refunds / cancellations (they give back a
    // redemption counted from an earlier version), for apps/coupon's redemption count
    summary.statements += await insertOrderEvents(em, 'order_sync.coupon_events', summary.changedOrders.filter((c) => isCouponRelevant(c.order)), (o) => toCouponOrderEvent(o));
    return summary;
  }
}

/**
 * One order-event outbox insert (order_sync.stock_events / coupon_events, the same columns): the events are committed
 * with the orders and relayed by their OrderEventRelay (ids, no buyer data). Returns the statements run (0 or 1).
 */
async function insertOrderEvents(
  em: EntityManager,
  table: 'order_sync.stock_events' | 'order_sync.coupon_events',
  changed: UpsertSummary['changedOrders'],
  toEvent: (o: CanonicalOrder) => unknown,
): Promise<number> {
  if (changed.length === 0) return 0;
  await em.query(
    `INSERT INTO ${table} (shop_id, order_id, version, event)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::jsonb[])
     ON CONFLICT (order_id, version) DO NOTHING`,
    [changed.map((c) => c.order.shopId), changed.map((c) => c.orderId), changed.map((c) => c.version), changed.map((c) => JSON.stringify(toEvent(c.order)))],
  );
  return 1;
}
