import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CampaignShopState } from '@app/contracts';
import { rowsOf } from '@app/persistence';

/** one shop's side of a campaign that needs a coupon-sync job */
export interface DueShop {
  merchantId: string;
  campaignId: string;
  shopId: string;
  state: CampaignShopState;
  attempts: number;
}

/**
 * The coupon-sync jobs' statements on coupon.campaign_shops. Every state change is a compare-and-set on the
 * state it expects, scoped by merchant: a job that lost a race (a stop arriving mid-create) changes nothing.
 */
@Injectable()
export class CouponSyncRepository {
  constructor(private readonly ds: DataSource) {}

  /** moves the row from one of `from` to `to`, counting an attempt when `attempt`; false when its state was another */
  async move(
    k: { merchantId: string; campaignId: string; shopId: string },
    from: readonly CampaignShopState[],
    to: CampaignShopState,
    f: { attempt?: boolean; reason?: string | null; lastError?: string | null; platformCouponId?: string | null; platformQuantity?: number } = {},
  ): Promise<{ attempts: number } | null> {
    const res = await this.ds.query(
      `UPDATE coupon.campaign_shops SET state = $5, updated_at = now(),
              attempts = attempts + CASE WHEN $6 THEN 1 ELSE 0 END,
              reason = CASE WHEN $7::boolean THEN $8 ELSE reason END,
              last_error = CASE WHEN $9::boolean THEN $10 ELSE last_error END,
              platform_coupon_id = COALESCE($11, platform_coupon_id),
              platform_quantity = COALESCE($12, platform_quantity)
        WHERE merchant_id = $1 AND campaign_id = $2 AND shop_id = $3 AND state = ANY($4::text[])
        RETURNING attempts`,
      [
        k.merchantId,
        k.campaignId,
        k.shopId,
        from,
        to,
        f.attempt ?? false,
        'reason' in f,
        f.reason ?? null,
        'lastError' in f,
        f.lastError ?? null,
        f.platformCouponId ?? null,
        f.platformQuantity ?? null,
      ],
    );
    const rows = rowsOf<{ attempts: number }>(res);
    return rows[0] ? { attempts: Number(rows[0].attempts) } : null;
  }

  /** the error of the attempt that just failed (the state stays, so the job or the sweeper tries again) */
  async recordError(k: { merchantId: string; campaignId: string; shopId: string }, error: string): Promise<void> {
    await this.ds.query(
      `UPDATE coupon.campaign_shops SET last_error = $4, updated_at = now() WHERE merchant_id = $1 AND campaign_id = $2 AND shop_id = $3`,
      [k.merchantId, k.campaignId, k.shopId, error],
    );
  }

  /** the shop's platform product ids of the listed products (our ids), through the catalog's SKU mapping */
  async platformProductIds(merchantId: string, shopId: string, productIds: readonly string[]): Promise<string[]> {
    if (productIds.length === 0) return [];
    const rows: { id: string }[] = await this.ds.query(
      `SELECT DISTINCT m.platform_product_id AS id FROM catalog_sync.sku_mappings m JOIN catalog_sync.skus s ON s.id = m.sku_id
        WHERE s.merchant_id = $1 AND m.shop_id = $2 AND s.product_id = ANY($3::uuid[]) ORDER BY 1`,
      [merchantId, shopId, productIds],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Rows with work to do, untouched for `staleSec`: pending ones of a campaign inside its claim window, created ones of
   * a campaign that is over (stopped, exhausted, or past its window: the coupon is stopped on the platform), and
   * every creating / stopping one (a job that died mid-call).
   */
  async due(staleSec: number, limit: number): Promise<DueShop[]> {
    const rows: { merchant_id: string; campaign_id: string; shop_id: string; state: CampaignShopState; attempts: number }[] = await this.ds.query(
      `SELECT s.merchant_id, s.campaign_id, s.shop_id, s.state, s.attempts
         FROM coupon.campaign_shops s JOIN coupon.campaigns c ON c.merchant_id = s.merchant_id AND c.id = s.campaign_id
        WHERE s.updated_at < now() - make_interval(secs => $1::float8)
          AND (s.state IN ('creating', 'stopping')
               OR (s.state = 'pending' AND c.status IN ('scheduled', 'active') AND c.claim_starts_at <= now() AND c.claim_ends_at > now())
               OR (s.state = 'created' AND (c.status IN ('stopped', 'exhausted', 'ended') OR c.claim_ends_at <= now()))
               OR (s.state = 'created' AND s.platform_quantity IS NOT NULL AND s.platform_quantity < c.total_quantity AND s.reason IS NULL))
        ORDER BY s.updated_at LIMIT $2`,
      [staleSec, limit],
    );
    return rows.map((r) => ({ merchantId: r.merchant_id, campaignId: r.campaign_id, shopId: r.shop_id, state: r.state, attempts: Number(r.attempts) }));
  }
}
