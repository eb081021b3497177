import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CouponKind, Platform } from '@app/contracts';
import { rowsOf } from '@app/persistence';

/** a shop an event named, with its merchant (core.shops: an event of an unknown shop is dropped) */
export interface EventShop {
  shopId: string;
  merchantId: string;
}

/** a campaign coupon live on a shop, as attribution sees it */
export interface AttributableCoupon {
  merchantId: string;
  campaignId: string;
  shopId: string;
  platformCouponId: string;
  kind: CouponKind;
  amountFen: number | null;
  thresholdFen: number | null;
  startedAt: string | null;
  stoppedAt: string | null;
}

export interface RedemptionRow {
  merchantId: string;
  shopId: string;
  platform: Platform;
  platformOrderId: string;
  lineNo: number;
  campaignId: string | null;
  attribution: 'coupon_id' | 'amount' | 'none';
  reason: string | null;
  platformCouponId: string | null;
  platformType: string | null;
  bearer: string;
  discountFen: number;
  gmvFen: number;
  returned: boolean;
  paidAt: string | null;
  orderUpdatedAt: string;
}

export interface CampaignSpend {
  merchantId: string;
  campaignId: string;
  budgetFen: number;
  spentFen: number;
  /** spent over the last `leadMs` (the guard's in-flight estimate) */
  recentFen: number;
  status: string;
  claimStartsAt: string;
  claimEndsAt: string;
}

export interface CampaignFigures {
  redemptions: number;
  returned: number;
  spentFen: number;
  gmvFen: number;
  byPlatform: Array<{ platform: Platform; redemptions: number; returned: number; spentFen: number; gmvFen: number }>;
  marks: Array<{ pct: number; spentFen: number; crossedAt: string }>;
  exhaustedAt: string | null;
  exhaustedSpentFen: number | null;
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** Every statement on coupon.order_states, coupon.redemptions and coupon.budget_marks (issue 11 items 4-5). */
@Injectable()
export class RedemptionsRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** the merchant of each shop (the event's shop id is ours, from order-sync; its merchant is read, never carried) */
  async shops(m: EntityManager, shopIds: string[]): Promise<EventShop[]> {
    const rows = rowsOf<{ id: string; merchant_id: string }>(await m.query(`SELECT id, merchant_id FROM core.shops WHERE id = ANY($1::uuid[])`, [shopIds]));
    return rows.map((r) => ({ shopId: r.id, merchantId: r.merchant_id }));
  }

  /**
   * Records each order's newest version and whether it is returned; answers the orders whose event is the newest
   * (an older event changes nothing) with the returned flag as it now stands (once returned, always returned).
   */
  async advanceOrders(
    m: EntityManager,
    orders: Array<{ merchantId: string; shopId: string; platformOrderId: string; updatedAt: string; returned: boolean }>,
  ): Promise<Map<string, boolean>> {
    const rows = rowsOf<{ shop_id: string; platform_order_id: string; returned: boolean }>(
      await m.query(
        `INSERT INTO coupon.order_states AS s (merchant_id, shop_id, platform_order_id, order_updated_at, returned)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::boolean[])
         ON CONFLICT (shop_id, platform_order_id) DO UPDATE
            SET order_updated_at = GREATEST(s.order_updated_at, excluded.order_updated_at),
                returned = s.returned OR excluded.returned, updated_at = now()
          WHERE s.order_updated_at <= excluded.order_updated_at OR (excluded.returned AND NOT s.returned)
         RETURNING shop_id, platform_order_id, returned`,
        [orders.map((o) => o.merchantId), orders.map((o) => o.shopId), orders.map((o) => o.platformOrderId), orders.map((o) => o.updatedAt), orders.map((o) => o.returned)],
      ),
    );
    return new Map(rows.map((r) => [`${r.shop_id}:${r.platform_order_id}`, r.returned]));
  }

  /** the merchant's campaign coupons on these shops that could have been redeemed (started, with a platform coupon) */
  async attributable(m: EntityManager, shopIds: string[]): Promise<AttributableCoupon[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await m.query(
        `SELECT s.merchant_id, s.campaign_id, s.shop_id, s.platform_coupon_id, c.kind, c.amount_fen, c.threshold_fen, c.started_at, c.stopped_at
           FROM coupon.campaign_shops s
           JOIN coupon.campaigns c ON c.merchant_id = s.merchant_id AND c.id = s.campaign_id
           JOIN core.shops sh ON sh.id = s.shop_id AND sh.merchant_id = s.merchant_id
          WHERE s.shop_id = ANY($1::uuid[]) AND s.platform_coupon_id IS NOT NULL AND c.started_at IS NOT NULL`,
        [shopIds],
      ),
    );
    return rows.map((r) => ({
      merchantId: String(r.merchant_id),
      campaignId: String(r.campaign_id),
      shopId: String(r.shop_id),
      platformCouponId: String(r.platform_coupon_id),
      kind: r.kind as CouponKind,
      amountFen: r.amount_fen === null ? null : Number(r.amount_fen),
      thresholdFen: r.threshold_fen === null ? null : Number(r.threshold_fen),
      startedAt: iso(r.started_at),
      stoppedAt: iso(r.stopped_at),
    }));
  }

  /** writes the coupon lines of the newest versions; a returned order's lines are returned (never counted again) */
  async upsert(m: EntityManager, rows: RedemptionRow[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof RedemptionRow>(k: K) => rows.map((r) => r[k]);
    await m.query(
      `INSERT INTO coupon.redemptions AS r (merchant_id, shop_id, platform, platform_order_id, line_no, campaign_id, attribution, reason,
              platform_coupon_id, platform_type, bearer, discount_fen, gmv_fen, status, paid_at, order_updated_at, returned_at)
       SELECT u.merchant_id, u.shop_id, u.platform, u.platform_order_id, u.line_no, u.campaign_id, u.attribution, u.reason,
              u.platform_coupon_id, u.platform_type, u.bearer, u.discount_fen, u.gmv_fen,
              CASE WHEN u.returned THEN 'returned' ELSE 'redeemed' END, u.paid_at, u.order_updated_at, CASE WHEN u.returned THEN now() END
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::bigint[], $13::bigint[], $14::boolean[], $15::timestamptz[], $16::timestamptz[])
           AS u(merchant_id, shop_id, platform, platform_order_id, line_no, campaign_id, attribution, reason, platform_coupon_id, platform_type,
                bearer, discount_fen, gmv_fen, returned, paid_at, order_updated_at)
       ON CONFLICT (shop_id, platform_order_id, line_no) DO UPDATE
          SET campaign_id = excluded.campaign_id, attribution = excluded.attribution, reason = excluded.reason,
              platform_coupon_id = excluded.platform_coupon_id, platform_type = excluded.platform_type, bearer = excluded.bearer,
              discount_fen = excluded.discount_fen, gmv_fen = excluded.gmv_fen, order_updated_at = excluded.order_updated_at,
              status = CASE WHEN r.status = 'returned' THEN 'returned' ELSE excluded.status END,
              returned_at = COALESCE(r.returned_at, excluded.returned_at)`,
      [
        col('merchantId'),
        col('shopId'),
        col('platform'),
        col('platformOrderId'),
        col('lineNo'),
        col('campaignId'),
        col('attribution'),
        col('reason'),
        col('platformCouponId'),
        col('platformType'),
        col('bearer'),
        col('discountFen'),
        col('gmvFen'),
        col('returned'),
        col('paidAt'),
        col('orderUpdatedAt'),
      ],
    );
  }

  /** every line of these orders becomes returned (a refund / cancellation whose version lists no discounts); the campaigns touched */
  async returnOrders(m: EntityManager, orders: Array<{ shopId: string; platformOrderId: string }>): Promise<Array<{ merchantId: string; campaignId: string }>> {
    if (orders.length === 0) return [];
    const rows = rowsOf<{ merchant_id: string; campaign_id: string }>(
      await m.query(
        `UPDATE coupon.redemptions r SET status = 'returned', returned_at = now()
           FROM unnest($1::uuid[], $2::text[]) AS o(shop_id, platform_order_id)
          WHERE r.shop_id = o.shop_id AND r.platform_order_id = o.platform_order_id AND r.status = 'redeemed'
        RETURNING r.merchant_id, r.campaign_id`,
        [orders.map((o) => o.shopId), orders.map((o) => o.platformOrderId)],
      ),
    );
    return rows.filter((r) => r.campaign_id !== null).map((r) => ({ merchantId: r.merchant_id, campaignId: r.campaign_id }));
  }

  /** spend of these campaigns, their rows locked (the guard decides on them inside this transaction) */
  async spend(m: EntityManager, campaigns: Array<{ merchantId: string; campaignId: string }>, leadMs: number): Promise<CampaignSpend[]> {
    if (campaigns.length === 0) return [];
    // lock order: by id, so two workers touching the same campaigns never deadlock
    const ids = [...new Set(campaigns.map((c) => c.campaignId))].sort();
    const locked = rowsOf<Record<string, unknown>>(
      await m.query(
        `SELECT id, merchant_id, budget_fen, status, claim_starts_at, claim_ends_at FROM coupon.campaigns WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [ids],
      ),
    );
    const sums = rowsOf<{ campaign_id: string; spent: string; recent: string }>(
      await m.query(
        `SELECT campaign_id, COALESCE(sum(discount_fen) FILTER (WHERE status = 'redeemed'), 0) AS spent,
                COALESCE(sum(discount_fen) FILTER (WHERE status = 'redeemed' AND created_at > now() - make_interval(secs => $2::float8 / 1000)), 0) AS recent
           FROM coupon.redemptions WHERE campaign_id = ANY($1::uuid[]) GROUP BY campaign_id`,
        [ids, leadMs],
      ),
    );
    const by = new Map(sums.map((s) => [s.campaign_id, s]));
    return locked.map((c) => ({
      merchantId: String(c.merchant_id),
      campaignId: String(c.id),
      budgetFen: Number(c.budget_fen),
      spentFen: Number(by.get(String(c.id))?.spent ?? 0),
      recentFen: Number(by.get(String(c.id))?.recent ?? 0),
      status: String(c.status),
      claimStartsAt: iso(c.claim_starts_at)!,
      claimEndsAt: iso(c.claim_ends_at)!,
    }));
  }

  /** the marks newly crossed (each once) */
  async mark(m: EntityManager, c: CampaignSpend, pcts: number[]): Promise<number[]> {
    if (pcts.length === 0) return [];
    const rows = rowsOf<{ pct: number }>(
      await m.query(
        `INSERT INTO coupon.budget_marks (merchant_id, campaign_id, pct, spent_fen, budget_fen)
         SELECT $1, $2, p, $4, $5 FROM unnest($3::int[]) AS p ON CONFLICT DO NOTHING RETURNING pct`,
        [c.merchantId, c.campaignId, pcts, c.spentFen, c.budgetFen],
      ),
    );
    return rows.map((r) => Number(r.pct));
  }

  async recordExhausted(m: EntityManager, c: CampaignSpend): Promise<void> {
    await m.query(`UPDATE coupon.campaigns SET exhausted_at = now(), exhausted_spent_fen = $3 WHERE merchant_id = $1 AND id = $2`, [c.merchantId, c.campaignId, c.spentFen]);
  }

  /** what GET shows of each campaign: counted redemptions, spend, GMV per platform, the marks */
  async figures(merchantId: string, campaignIds: string[]): Promise<Map<string, CampaignFigures>> {
    const out = new Map<string, CampaignFigures>();
    if (campaignIds.length === 0) return out;
    const per = rowsOf<{ campaign_id: string; platform: Platform; redeemed: string; returned: string; spent: string; gmv: string }>(
      await this.ds.query(
        `SELECT campaign_id, platform, count(*) FILTER (WHERE status = 'redeemed') AS redeemed, count(*) FILTER (WHERE status = 'returned') AS returned,
                COALESCE(sum(discount_fen) FILTER (WHERE status = 'redeemed'), 0) AS spent, COALESCE(sum(gmv_fen) FILTER (WHERE status = 'redeemed'), 0) AS gmv
           FROM coupon.redemptions WHERE merchant_id = $1 AND campaign_id = ANY($2::uuid[]) GROUP BY campaign_id, platform ORDER BY platform`,
        [merchantId, campaignIds],
      ),
    );
    const marks = rowsOf<{ campaign_id: string; pct: number; spent_fen: string; crossed_at: Date }>(
      await this.ds.query(`SELECT campaign_id, pct, spent_fen, crossed_at FROM coupon.budget_marks WHERE merchant_id = $1 AND campaign_id = ANY($2::uuid[]) ORDER BY pct`, [merchantId, campaignIds]),
    );
    const ex = rowsOf<{ id: string; exhausted_at: Date | null; exhausted_spent_fen: string | null }>(
      await this.ds.query(`SELECT id, exhausted_at, exhausted_spent_fen FROM coupon.campaigns WHERE merchant_id = $1 AND id = ANY($2::uuid[])`, [merchantId, campaignIds]),
    );
    for (const e of ex) {
      out.set(e.id, {
        redemptions: 0,
        returned: 0,
        spentFen: 0,
        gmvFen: 0,
        byPlatform: [],
        marks: [],
        exhaustedAt: iso(e.exhausted_at),
        exhaustedSpentFen: e.exhausted_spent_fen === null ? null : Number(e.exhausted_spent_fen),
      });
    }
    for (const p of per) {
      const f = out.get(p.campaign_id);
      if (!f) continue;
      const row = { platform: p.platform, redemptions: Number(p.redeemed), returned: Number(p.returned), spentFen: Number(p.spent), gmvFen: Number(p.gmv) };
      f.byPlatform.push(row);
      f.redemptions += row.redemptions;
      f.returned += row.returned;
      f.spentFen += row.spentFen;
      f.gmvFen += row.gmvFen;
    }
    for (const k of marks) out.get(k.campaign_id)?.marks.push({ pct: Number(k.pct), spentFen: Number(k.spent_fen), crossedAt: iso(k.crossed_at)! });
    return out;
  }

  /** the budget marks of the merchant (its exceptions), newest first */
  async marksOf(merchantId: string, limit: number): Promise<Array<{ campaignId: string; name: string; pct: number; spentFen: number; budgetFen: number; crossedAt: string }>> {
    const rows = rowsOf<{ campaign_id: string; name: string; pct: number; spent_fen: string; budget_fen: string; crossed_at: Date }>(
      await this.ds.query(
        `SELECT DISTINCT ON (b.campaign_id) b.campaign_id, c.name, b.pct, b.spent_fen, b.budget_fen, b.crossed_at
           FROM coupon.budget_marks b JOIN coupon.campaigns c ON c.merchant_id = b.merchant_id AND c.id = b.campaign_id
          WHERE b.merchant_id = $1 ORDER BY b.campaign_id, b.pct DESC LIMIT $2`,
        [merchantId, limit],
      ),
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, name: r.name, pct: Number(r.pct), spentFen: Number(r.spent_fen), budgetFen: Number(r.budget_fen), crossedAt: iso(r.crossed_at)! }));
  }
}
