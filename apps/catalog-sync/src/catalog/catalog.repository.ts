import { Injectable } from '@nestjs/common';
import { rowsOf } from '@app/persistence';
import type { Platform } from '@app/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  ListingRecord,
  OverrideRecord,
  ProductAggregate,
  ProductInput,
  ProductRecord,
  SkuInput,
  SkuMappingRecord,
  SkuRecord,
} from './catalog.types';

const PRODUCT_COLS = `p.id, p.merchant_id AS "merchantId", p.external_key AS "externalKey", p.title, p.description, p.images,
  p.category, p.attributes, p.version, p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;
const SKU_COLS = `s.id, s.product_id AS "productId", s.erp_sku_code AS "erpSkuCode", s.barcode, s.spec_values AS "specValues",
  s.list_price_fen AS "listPriceFen", s.sale_price_fen AS "salePriceFen", s.weight_grams AS "weightGrams"`;
const OVERRIDE_COLS = `o.platform, o.title, o.category_id AS "categoryId", o.attributes, o.price_fen AS "priceFen"`;
const LISTING_COLS = `l.product_id AS "productId", l.shop_id AS "shopId", l.platform, l.platform_product_id AS "platformProductId",
  l.status, l.last_error AS "lastError", l.published_version AS "publishedVersion", l.publish_run_id AS "publishRunId",
  l.published_at AS "publishedAt", l.updated_at AS "updatedAt"`;

/** A listing claimed by a publish job lasts this long before another job may take it over (crashed worker). */
export const LISTING_CLAIM_STALE_SEC = 120;

export interface ShopRef {
  id: string;
  platform: Platform;
  name: string;
}

export interface SkuRowForUpsert extends SkuInput {
  productId: string;
}

export interface MappingWrite {
  skuId: string;
  shopId: string;
  platform: Platform;
  platformProductId: string;
  platformSkuId: string;
}

export type MappingChange = 'mapped' | 'remapped' | 'unchanged';

function iso<T extends { createdAt?: unknown; updatedAt?: unknown; publishedAt?: unknown }>(r: T): T {
  const out = { ...r } as Record<string, unknown>;
  for (const k of ['createdAt', 'updatedAt', 'publishedAt']) if (out[k] instanceof Date) out[k] = (out[k] as Date).toISOString();
  return out as T;
}

/**
 * SQL over catalog_sync.* (explicit statements; multi-row writes via unnest for imports). Every method
 * that takes a merchant id scopes its reads and writes to that merchant.
 */
@Injectable()
export class CatalogRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  // ---- products ----

  async insertProduct(m: EntityManager, merchantId: string, p: ProductInput): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO catalog_sync.products (merchant_id, external_key, title, description, images, category, attributes)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb) RETURNING id`,
      [merchantId, p.externalKey ?? null, p.title, p.description ?? '', JSON.stringify(p.images ?? []), p.category, JSON.stringify(p.attributes ?? {})],
    );
    return row.id as string;
  }

  /** updates the product's own fields and bumps its version; false when it is not this merchant's */
  async updateProduct(m: EntityManager, merchantId: string, id: string, p: ProductInput): Promise<boolean> {
    const rows = await m.query(
      `UPDATE catalog_sync.products SET external_key = COALESCE($3, external_key), title = $4, description = $5, images = $6::jsonb,
         category = $7, attributes = $8::jsonb, version = version + 1, updated_at = now()
       WHERE id = $1 AND merchant_id = $2 RETURNING id`,
      [id, merchantId, p.externalKey ?? null, p.title, p.description ?? '', JSON.stringify(p.images ?? []), p.category, JSON.stringify(p.attributes ?? {})],
    );
    return rowsOf(rows).length > 0;
  }

  async bumpVersion(m: EntityManager, productId: string): Promise<void> {
    await m.query(`UPDATE catalog_sync.products SET version = version + 1, updated_at = now() WHERE id = $1`, [productId]);
  }

  /**
   * Upserts products by (merchant, external key) in one statement; returns external key -> id.
   * Existing products get the new fields and a version bump.
   */
  async upsertProductsByExternalKey(
    m: EntityManager,
    merchantId: string,
    rows: (Omit<ProductInput, 'skus'> & { externalKey: string })[],
  ): Promise<Map<string, string>> {
    if (rows.length === 0) return new Map();
    const res: { id: string; externalKey: string }[] = await m.query(
      `INSERT INTO catalog_sync.products (merchant_id, external_key, title, description, images, category, attributes)
       SELECT $1, u.k, u.t, u.d, u.i::jsonb, u.c, u.a::jsonb
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(k, t, d, i, c, a)
       ON CONFLICT (merchant_id, external_key) WHERE external_key IS NOT NULL DO UPDATE SET
         title = EXCLUDED.title, description = EXCLUDED.description, images = EXCLUDED.images, category = EXCLUDED.category,
         attributes = EXCLUDED.attributes, version = catalog_sync.products.version + 1, updated_at = now()
       RETURNING id, external_key AS "externalKey"`,
      [
        merchantId,
        rows.map((r) => r.externalKey),
        rows.map((r) => r.title),
        rows.map((r) => r.description ?? ''),
        rows.map((r) => JSON.stringify(r.images ?? [])),
        rows.map((r) => r.category),
        rows.map((r) => JSON.stringify(r.attributes ?? {})),
      ],
    );
    return new Map(res.map((r) => [r.externalKey, r.id]));
  }

  async findProduct(merchantId: string | null, id: string, m: EntityManager = this.ds.manager): Promise<ProductRecord | null> {
    const rows = await m.query(
      `SELECT ${PRODUCT_COLS} FROM catalog_sync.products p WHERE p.id = $1 AND ($2::uuid IS NULL OR p.merchant_id = $2)`,
      [id, merchantId],
    );
    return rows[0] ? iso(rows[0] as ProductRecord) : null;
  }

  async listProducts(merchantId: string, limit: number, offset: number): Promise<{ items: ProductRecord[]; total: number }> {
    const items = await this.ds.query(
      `SELECT ${PRODUCT_COLS} FROM catalog_sync.products p WHERE p.merchant_id = $1 ORDER BY p.created_at, p.id LIMIT $2 OFFSET $3`,
      [merchantId, limit, offset],
    );
    const [{ n }] = await this.ds.query(`SELECT count(*)::int AS n FROM catalog_sync.products WHERE merchant_id = $1`, [merchantId]);
    return { items: items.map(iso), total: n };
  }

  async listProductIds(merchantId: string): Promise<string[]> {
    const rows = await this.ds.query(`SELECT id FROM catalog_sync.products WHERE merchant_id = $1 ORDER BY created_at, id`, [merchantId]);
    return rows.map((r: { id: string }) => r.id);
  }

  async aggregate(merchantId: string | null, id: string, m: EntityManager = this.ds.manager): Promise<ProductAggregate | null> {
    const product = await this.findProduct(merchantId, id, m);
    if (!product) return null;
    const skus: SkuRecord[] = await m.query(`SELECT ${SKU_COLS} FROM catalog_sync.skus s WHERE s.product_id = $1 ORDER BY s.created_at, s.erp_sku_code`, [id]);
    const overrides: OverrideRecord[] = await m.query(`SELECT ${OVERRIDE_COLS} FROM catalog_sync.product_overrides o WHERE o.product_id = $1 ORDER BY o.platform`, [id]);
    return { product, skus, overrides };
  }

  // ---- skus ----

  /**
   * Upserts SKUs by (merchant, ERP code). A code that already belongs to ANOTHER product is left alone and
   * missing from the result (callers report it): SKUs never move between products silently.
   */
  async upsertSkus(m: EntityManager, merchantId: string, rows: SkuRowForUpsert[]): Promise<{ id: string; productId: string; erpSkuCode: string }[]> {
    if (rows.length === 0) return [];
    return m.query(
      `INSERT INTO catalog_sync.skus (product_id, merchant_id, erp_sku_code, barcode, spec_values, list_price_fen, sale_price_fen, weight_grams)
       SELECT u.pid, $1, u.code, u.barcode, u.spec::jsonb, u.lp, u.sp, u.w
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[]) AS u(pid, code, barcode, spec, lp, sp, w)
       ON CONFLICT (merchant_id, erp_sku_code) DO UPDATE SET
         barcode = EXCLUDED.barcode, spec_values = EXCLUDED.spec_values, list_price_fen = EXCLUDED.list_price_fen,
         sale_price_fen = EXCLUDED.sale_price_fen, weight_grams = EXCLUDED.weight_grams, updated_at = now()
       WHERE catalog_sync.skus.product_id = EXCLUDED.product_id
       RETURNING id, product_id AS "productId", erp_sku_code AS "erpSkuCode"`,
      [
        merchantId,
        rows.map((r) => r.productId),
        rows.map((r) => r.erpSkuCode),
        rows.map((r) => r.barcode ?? null),
        rows.map((r) => JSON.stringify(r.specValues ?? {})),
        rows.map((r) => r.listPriceFen),
        rows.map((r) => r.salePriceFen),
        rows.map((r) => r.weightGrams ?? null),
      ],
    );
  }

  /** ERP codes of this merchant that already exist, with the product (and its external key) owning them. */
  async skuOwners(merchantId: string, codes: string[]): Promise<Map<string, { productId: string; externalKey: string | null }>> {
    if (codes.length === 0) return new Map();
    const rows = await this.ds.query(
      `SELECT s.erp_sku_code AS code, s.product_id AS "productId", p.external_key AS "externalKey"
       FROM catalog_sync.skus s JOIN catalog_sync.products p ON p.id = s.product_id
       WHERE s.merchant_id = $1 AND s.erp_sku_code = ANY($2::text[])`,
      [merchantId, codes],
    );
    return new Map(rows.map((r: { code: string; productId: string; externalKey: string | null }) => [r.code, { productId: r.productId, externalKey: r.externalKey }]));
  }

  /** deletes the product's SKUs whose code is not in `keep`, recording their mappings as unmapped */
  async deleteSkusExcept(m: EntityManager, productId: string, keep: string[]): Promise<void> {
    await m.query(
      `INSERT INTO catalog_sync.sku_mapping_history (sku_id, shop_id, platform_product_id, platform_sku_id, action, reason)
       SELECT sm.sku_id, sm.shop_id, sm.platform_product_id, sm.platform_sku_id, 'unmapped', 'sku removed from product'
       FROM catalog_sync.sku_mappings sm JOIN catalog_sync.skus s ON s.id = sm.sku_id
       WHERE s.product_id = $1 AND NOT (s.erp_sku_code = ANY($2::text[]))`,
      [productId, keep],
    );
    await m.query(`DELETE FROM catalog_sync.skus WHERE product_id = $1 AND NOT (erp_sku_code = ANY($2::text[]))`, [productId, keep]);
  }

  // ---- overrides ----

  async upsertOverride(m: EntityManager, productId: string, o: OverrideRecord): Promise<void> {
    await m.query(
      `INSERT INTO catalog_sync.product_overrides (product_id, platform, title, category_id, attributes, price_fen)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (product_id, platform) DO UPDATE SET title = EXCLUDED.title, category_id = EXCLUDED.category_id,
         attributes = EXCLUDED.attributes, price_fen = EXCLUDED.price_fen, updated_at = now()`,
      [productId, o.platform, o.title, o.categoryId, o.attributes === null ? null : JSON.stringify(o.attributes), o.priceFen],
    );
  }

  async deleteOverrides(m: EntityManager, productId: string, platform?: Platform): Promise<number> {
    const res = await m.query(
      `DELETE FROM catalog_sync.product_overrides WHERE product_id = $1 AND ($2::text IS NULL OR platform = $2) RETURNING platform`,
      [productId, platform ?? null],
    );
    return rowsOf(res).length;
  }

  // ---- shops ----

  async activeShops(merchantId: string, platforms: readonly Platform[] | null): Promise<ShopRef[]> {
    return this.ds.query(
      `SELECT id, platform, name FROM core.shops WHERE merchant_id = $1 AND status = 'active' AND ($2::text[] IS NULL OR platform = ANY($2::text[]))
       ORDER BY platform, created_at`,
      [merchantId, platforms ? [...platforms] : null],
    );
  }

  async shopOfMerchant(merchantId: string, shopId: string): Promise<ShopRef | null> {
    const rows = await this.ds.query(`SELECT id, platform, name FROM core.shops WHERE id = $1 AND merchant_id = $2`, [shopId, merchantId]);
    return rows[0] ?? null;
  }

  // ---- listings ----

  async listings(productId: string): Promise<ListingRecord[]> {
    const rows = await this.ds.query(`SELECT ${LISTING_COLS} FROM catalog_sync.listings l WHERE l.product_id = $1 ORDER BY l.platform, l.shop_id`, [productId]);
    return rows.map(iso);
  }

  async listing(productId: string, shopId: string): Promise<ListingRecord | null> {
    const rows = await this.ds.query(`SELECT ${LISTING_COLS} FROM catalog_sync.listings l WHERE l.product_id = $1 AND l.shop_id = $2`, [productId, shopId]);
    return rows[0] ? iso(rows[0]) : null;
  }

  /** marks the listings of a publish request pending (keeps platform_product_id: a re-publish updates) */
  async queueListings(productId: string, shops: ShopRef[], runId: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO catalog_sync.listings (product_id, shop_id, platform, status, publish_run_id)
       SELECT $1, u.shop, u.platform, 'pending', $4 FROM unnest($2::uuid[], $3::text[]) AS u(shop, platform)
       ON CONFLICT (product_id, shop_id) DO UPDATE SET
         status = CASE WHEN catalog_sync.listings.status = 'publishing' THEN 'publishing' ELSE 'pending' END,
         last_error = NULL, publish_run_id = EXCLUDED.publish_run_id, updated_at = now()`,
      [productId, shops.map((s) => s.id), shops.map((s) => s.platform), runId],
    );
  }

  /**
   * Takes the listing for one publish attempt (status publishing). Null when another job holds it and its
   * claim is fresh: two jobs never push the same listing at once, so a double click cannot create twice.
   */
  async claimListing(productId: string, shopId: string, platform: Platform): Promise<ListingRecord | null> {
    const rows = await this.ds.query(
      `INSERT INTO catalog_sync.listings AS l (product_id, shop_id, platform, status) VALUES ($1, $2, $3, 'publishing')
       ON CONFLICT (product_id, shop_id) DO UPDATE SET status = 'publishing', updated_at = now()
       WHERE l.status <> 'publishing' OR l.updated_at < now() - make_interval(secs => $4)
       RETURNING ${LISTING_COLS}`,
      [productId, shopId, platform, LISTING_CLAIM_STALE_SEC],
    );
    return rows[0] ? iso(rows[0]) : null;
  }

  async releaseListing(productId: string, shopId: string, status: 'pending' | 'failed', lastError: string): Promise<void> {
    await this.ds.query(
      `UPDATE catalog_sync.listings SET status = $3, last_error = $4, updated_at = now() WHERE product_id = $1 AND shop_id = $2`,
      [productId, shopId, status, lastError.slice(0, 2000)],
    );
  }

  /**
   * Stores the platform product id of a listing the platform holds but we could not finish (a create that
   * failed part-way): status is left to releaseListing, and the next attempt updates this product.
   */
  async setListingProduct(m: EntityManager, productId: string, shopId: string, platformProductId: string): Promise<void> {
    await m.query(
      `UPDATE catalog_sync.listings SET platform_product_id = $3, updated_at = now() WHERE product_id = $1 AND shop_id = $2`,
      [productId, shopId, platformProductId],
    );
  }

  /** stores the platform ids right after the platform answered (before mappings), so a retry updates */
  async markPublished(m: EntityManager, productId: string, shopId: string, platformProductId: string, version: number): Promise<void> {
    await m.query(
      `UPDATE catalog_sync.listings SET status = 'published', platform_product_id = $3, published_version = $4, last_error = NULL,
         published_at = now(), updated_at = now() WHERE product_id = $1 AND shop_id = $2`,
      [productId, shopId, platformProductId, version],
    );
  }

  async runProgress(runId: string): Promise<{ status: string; n: number }[]> {
    return this.ds.query(`SELECT status, count(*)::int AS n FROM catalog_sync.listings WHERE publish_run_id = $1 GROUP BY status`, [runId]);
  }

  async runListings(runId: string): Promise<ListingRecord[]> {
    const rows = await this.ds.query(`SELECT ${LISTING_COLS} FROM catalog_sync.listings l WHERE l.publish_run_id = $1 ORDER BY l.product_id, l.platform`, [runId]);
    return rows.map(iso);
  }

  async runMerchant(runId: string): Promise<string | null> {
    const rows = await this.ds.query(
      `SELECT p.merchant_id AS "merchantId" FROM catalog_sync.listings l JOIN catalog_sync.products p ON p.id = l.product_id WHERE l.publish_run_id = $1 LIMIT 1`,
      [runId],
    );
    return rows[0]?.merchantId ?? null;
  }

  // ---- sku mappings ----

  async mappingsOfProduct(productId: string, shopId?: string): Promise<SkuMappingRecord[]> {
    const rows = await this.ds.query(
      `SELECT sm.sku_id AS "skuId", s.erp_sku_code AS "erpSkuCode", sm.shop_id AS "shopId", sm.platform, sm.platform_product_id AS "platformProductId",
         sm.platform_sku_id AS "platformSkuId", sm.updated_at AS "updatedAt"
       FROM catalog_sync.sku_mappings sm JOIN catalog_sync.skus s ON s.id = sm.sku_id
       WHERE s.product_id = $1 AND ($2::uuid IS NULL OR sm.shop_id = $2) ORDER BY s.erp_sku_code, sm.platform`,
      [productId, shopId ?? null],
    );
    return rows.map(iso);
  }

  async skuByCode(merchantId: string, erpSkuCode: string): Promise<SkuRecord | null> {
    const rows = await this.ds.query(`SELECT ${SKU_COLS} FROM catalog_sync.skus s WHERE s.merchant_id = $1 AND s.erp_sku_code = $2`, [merchantId, erpSkuCode]);
    return rows[0] ?? null;
  }

  async skuOfMerchant(merchantId: string, skuId: string): Promise<SkuRecord | null> {
    const rows = await this.ds.query(`SELECT ${SKU_COLS} FROM catalog_sync.skus s WHERE s.id = $1 AND s.merchant_id = $2`, [skuId, merchantId]);
    return rows[0] ?? null;
  }

  /** the sku (if any) holding a platform sku id in a shop */
  async mappingHolder(m: EntityManager, shopId: string, platformSkuId: string): Promise<{ skuId: string; platformProductId: string } | null> {
    const rows = await m.query(
      `SELECT sku_id AS "skuId", platform_product_id AS "platformProductId" FROM catalog_sync.sku_mappings WHERE shop_id = $1 AND platform_sku_id = $2`,
      [shopId, platformSkuId],
    );
    return rows[0] ?? null;
  }

  /** writes one mapping by its explicit keys and a history row when it changed */
  async writeMapping(m: EntityManager, w: MappingWrite, reason: string): Promise<MappingChange> {
    const [prev] = await m.query(
      `SELECT platform_product_id AS "platformProductId", platform_sku_id AS "platformSkuId" FROM catalog_sync.sku_mappings WHERE sku_id = $1 AND shop_id = $2 FOR UPDATE`,
      [w.skuId, w.shopId],
    );
    if (prev && prev.platformProductId === w.platformProductId && prev.platformSkuId === w.platformSkuId) return 'unchanged';
    await m.query(
      `INSERT INTO catalog_sync.sku_mappings (sku_id, shop_id, platform, platform_product_id, platform_sku_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (sku_id, shop_id) DO UPDATE SET platform_product_id = EXCLUDED.platform_product_id, platform_sku_id = EXCLUDED.platform_sku_id,
         platform = EXCLUDED.platform, updated_at = now()`,
      [w.skuId, w.shopId, w.platform, w.platformProductId, w.platformSkuId],
    );
    const action: MappingChange = prev ? 'remapped' : 'mapped';
    await m.query(
      `INSERT INTO catalog_sync.sku_mapping_history (sku_id, shop_id, platform_product_id, platform_sku_id, action, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
      [w.skuId, w.shopId, w.platformProductId, w.platformSkuId, action, reason],
    );
    return action;
  }

  async deleteMapping(m: EntityManager, skuId: string, shopId: string, reason: string): Promise<boolean> {
    const rows = await m.query(
      `DELETE FROM catalog_sync.sku_mappings WHERE sku_id = $1 AND shop_id = $2 RETURNING platform_product_id AS "platformProductId", platform_sku_id AS "platformSkuId"`,
      [skuId, shopId],
    );
    const gone = rowsOf<{ platformProductId: string; platformSkuId: string }>(rows)[0];
    if (!gone) return false;
    await m.query(
      `INSERT INTO catalog_sync.sku_mapping_history (sku_id, shop_id, platform_product_id, platform_sku_id, action, reason) VALUES ($1, $2, $3, $4, 'unmapped', $5)`,
      [skuId, shopId, gone.platformProductId, gone.platformSkuId, reason],
    );
    return true;
  }

  async mappingHistory(skuId: string): Promise<{ id: string; shopId: string; platformProductId: string | null; platformSkuId: string | null; action: string; reason: string; at: string }[]> {
    const rows = await this.ds.query(
      `SELECT id::text AS id, shop_id AS "shopId", platform_product_id AS "platformProductId", platform_sku_id AS "platformSkuId", action, reason, at
       FROM catalog_sync.sku_mapping_history WHERE sku_id = $1 ORDER BY at, id`,
      [skuId],
    );
    return rows.map((r: { at: Date }) => ({ ...r, at: r.at instanceof Date ? r.at.toISOString() : r.at }));
  }

  // ---- merchant banned words ----

  async customWords(merchantId: string): Promise<{ word: string; category: string; createdAt: string }[]> {
    const rows = await this.ds.query(
      `SELECT word, category, created_at AS "createdAt" FROM catalog_sync.banned_words_custom WHERE merchant_id = $1 ORDER BY created_at, word`,
      [merchantId],
    );
    return rows.map(iso);
  }

  async addCustomWord(merchantId: string, word: string, category: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO catalog_sync.banned_words_custom (merchant_id, word, category) VALUES ($1, $2, $3)
       ON CONFLICT (merchant_id, word) DO UPDATE SET category = EXCLUDED.category`,
      [merchantId, word, category],
    );
  }

  async deleteCustomWord(merchantId: string, word: string): Promise<boolean> {
    const rows = await this.ds.query(`DELETE FROM catalog_sync.banned_words_custom WHERE merchant_id = $1 AND word = $2 RETURNING word`, [merchantId, word]);
    return rowsOf(rows).length > 0;
  }
}
