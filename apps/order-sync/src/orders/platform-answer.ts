import type { EntityManager } from 'typeorm';
import type { CanonicalOrder, OrderPage } from '@app/contracts';
import type { ShopContext } from '@app/platforms';

/**
 * why an order in a platform's answer was not applied; `unknown_status`: its platform status has no canonical
 * mapping (the adapter reported it in OrderPage.unmapped, or getOrder raised UNKNOWN_STATUS_CODE)
 */
export type RefusalReason = 'foreign_shop' | 'not_asked' | 'future_time' | 'unknown_status';

export interface Refusal {
  platformOrderId: string;
  reason: RefusalReason;
  updatedAt: string | null;
}

export interface CheckedAnswer {
  /** the orders to apply, each set to the asking shop */
  accepted: CanonicalOrder[];
  refused: Refusal[];
}

/**
 * What a platform answered the asking shop, checked before anything is applied: an order of another
 * platform or of another platform shop (where the answer names the shop, e.g. Douyin `shop_id`), or with an
 * update / pay / creation time more than `maxFutureSkewMs` ahead of `now` (a "2099" version would freeze the
 * order against every later real update), is refused. Detail calls check the id asked for separately
 * (`answersTheId`); a list over a time window may return any order of the same shop.
 */
export function checkAnswer(shop: ShopContext, orders: Iterable<CanonicalOrder>, now: number, maxFutureSkewMs: number): CheckedAnswer {
  const out: CheckedAnswer = { accepted: [], refused: [] };
  const latest = now + maxFutureSkewMs;
  for (const o of orders) {
    const reason = refusalOf(shop, o, latest);
    if (reason) out.refused.push({ platformOrderId: o.platformOrderId, reason, updatedAt: o.updatedAt ?? null });
    else out.accepted.push({ ...o, shopId: shop.shopId });
  }
  return out;
}

function refusalOf(shop: ShopContext, o: CanonicalOrder, latest: number): RefusalReason | null {
  if (o.platform !== shop.platform) return 'foreign_shop';
  if (o.platformShopId != null && String(o.platformShopId) !== shop.platformShopId) return 'foreign_shop';
  const updated = Date.parse(o.updatedAt);
  // an unreadable update time cannot be ordered against the stored version either
  if (!Number.isFinite(updated) || updated > latest) return 'future_time';
  for (const t of [o.paidAt, o.createdAt]) if (t != null && Date.parse(t) > latest) return 'future_time';
  return null;
}

/** a detail call's answer is the order asked for */
export function answersTheId(asked: string, o: CanonicalOrder): boolean {
  return o.platformOrderId === asked;
}

/** records refused orders under the asking shop (inside the caller's transaction); returns statements issued */
export async function recordRefusals(em: EntityManager, shop: Pick<ShopContext, 'shopId' | 'platform'>, refused: Refusal[]): Promise<number> {
  if (refused.length === 0) return 0;
  await em.query(
    `INSERT INTO order_sync.orders_refused (shop_id, platform, platform_order_id, reason, platform_updated_at)
     SELECT $1::uuid, $2::text, r.id, r.reason, r.updated_at FROM unnest($3::text[], $4::text[], $5::text[]) AS r(id, reason, updated_at)`,
    [shop.shopId, shop.platform, refused.map((r) => r.platformOrderId), refused.map((r) => r.reason), refused.map((r) => r.updatedAt)],
  );
  return 1;
}

/** the orders a list page left out for a status with no mapping, as refusals */
export function unmappedRefusals(page: Pick<OrderPage, 'unmapped'>): Refusal[] {
  return (page.unmapped ?? []).map((u) => ({ platformOrderId: u.platformOrderId, reason: 'unknown_status' as const, updatedAt: u.updatedAt }));
}

/** counts per reason, for a log line (ids and reasons only, never order contents) */
export function refusalSummary(refused: Refusal[]): Record<RefusalReason, number> {
  const n: Record<RefusalReason, number> = { foreign_shop: 0, not_asked: 0, future_time: 0, unknown_status: 0 };
  for (const r of refused) n[r.reason] += 1;
  return n;
}
