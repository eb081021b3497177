import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const DRIFT_WINDOW_HOURS = 24;
const PER_TYPE_LIMIT = 200;

export interface FailedListingRow { product_id: string; shop_id: string; platform: string; title: string; last_error: string | null; since: Date; stamp: string }
export interface UnmappedRow { shop_id: string; platform: string; platform_sku_id: string; erp_sku_code: string | null; lines: number; last_order_id: string | null; since: Date; last_seen_at: Date }
export interface DriftRow { id: string; sku_id: string; erp_sku_code: string; shop_id: string; platform: string; platform_quantity: number; expected_quantity: number; target_quantity: number; reason: string; since: Date }

/**
 * Every statement of catalog-sync's part of the exception inbox, each scoped to the merchant (products and
 * SKUs carry merchant_id) and leaving out what the merchant resolved.
 */
@Injectable()
export class CatalogExceptionsRepository {
  constructor(private readonly ds: DataSource) {}

  failedListings(merchantId: string): Promise<FailedListingRow[]> {
    return this.ds.query(
      `SELECT l.product_id, l.shop_id, l.platform, p.title, l.last_error, l.updated_at AS since,
              (extract(epoch FROM l.updated_at) * 1000)::bigint::text AS stamp
         FROM catalog_sync.listings l JOIN catalog_sync.products p ON p.id = l.product_id
        WHERE p.merchant_id = $1 AND l.status = 'failed'
          AND NOT EXISTS (SELECT 1 FROM catalog_sync.exception_resolutions r WHERE r.merchant_id = $1
                           AND r.key = 'publish_failed:' || l.product_id || ':' || l.shop_id || ':' || (extract(epoch FROM l.updated_at) * 1000)::bigint)
        ORDER BY l.updated_at DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  /** drift the checker corrected in the last day, by at least `minUnits` units either way */
  driftCorrected(merchantId: string, minUnits: number): Promise<DriftRow[]> {
    return this.ds.query(
      `SELECT d.id::text, d.sku_id, s.erp_sku_code, d.shop_id, sh.platform, d.platform_quantity, d.expected_quantity, d.target_quantity, d.reason, d.at AS since
         FROM catalog_sync.stock_drift_log d JOIN catalog_sync.skus s ON s.id = d.sku_id JOIN core.shops sh ON sh.id = d.shop_id
        WHERE s.merchant_id = $1 AND d.action = 'corrected' AND d.at > now() - interval '${DRIFT_WINDOW_HOURS} hours'
          AND abs(d.platform_quantity - d.expected_quantity) >= $2
          AND NOT EXISTS (SELECT 1 FROM catalog_sync.exception_resolutions r WHERE r.merchant_id = $1 AND r.key = 'stock_drift:' || d.id)
        ORDER BY d.id DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId, minUnits],
    );
  }

  /** platform SKUs of the merchant's shops that orders named and nothing of ours matches yet (no mapping, no ERP code) */
  unmappedSkus(merchantId: string): Promise<UnmappedRow[]> {
    return this.ds.query(
      `SELECT u.shop_id, sh.platform, u.platform_sku_id, u.erp_sku_code, u.lines, u.last_order_id, u.first_seen_at AS since, u.last_seen_at
         FROM catalog_sync.unmapped_skus u JOIN core.shops sh ON sh.id = u.shop_id
        WHERE sh.merchant_id = $1
          AND NOT EXISTS (SELECT 1 FROM catalog_sync.sku_mappings m WHERE m.shop_id = u.shop_id AND m.platform_sku_id = u.platform_sku_id)
          AND NOT EXISTS (SELECT 1 FROM catalog_sync.skus s WHERE s.merchant_id = $1 AND s.erp_sku_code = u.erp_sku_code)
          AND NOT EXISTS (SELECT 1 FROM catalog_sync.exception_resolutions r WHERE r.merchant_id = $1
                           AND r.key = 'unmapped_sku:' || u.shop_id || ':' || u.platform_sku_id)
        ORDER BY u.last_seen_at DESC LIMIT ${PER_TYPE_LIMIT}`,
      [merchantId],
    );
  }

  async resolve(merchantId: string, key: string, note: string | null): Promise<void> {
    await this.ds.query(
      `INSERT INTO catalog_sync.exception_resolutions (merchant_id, key, note) VALUES ($1, $2, $3) ON CONFLICT (merchant_id, key) DO NOTHING`,
      [merchantId, key, note],
    );
  }
}
