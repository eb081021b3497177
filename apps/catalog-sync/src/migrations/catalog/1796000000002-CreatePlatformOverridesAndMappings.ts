import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-platform overrides of a product, and the SKU mapping between the ERP code and each shop's
 * platform product / SKU ids — kept by explicit keys only, with history.
 */
export class CreatePlatformOverridesAndMappings1796000000002 implements MigrationInterface {
  name = 'CreatePlatformOverridesAndMappings1796000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_sync.product_overrides (
        product_id uuid NOT NULL,
        platform text NOT NULL,
        title text,
        category_id text,
        attributes jsonb,
        price_fen integer,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_product_overrides PRIMARY KEY (product_id, platform),
        CONSTRAINT fk_product_overrides_product_id FOREIGN KEY (product_id) REFERENCES catalog_sync.products (id) ON DELETE CASCADE,
        CONSTRAINT ck_product_overrides_platform CHECK (platform IN ('douyin', 'taobao', 'xiaohongshu'))
      )`);
    await q.query(`
      CREATE TABLE catalog_sync.listings (
        product_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform text NOT NULL,
        platform_product_id text,
        status text NOT NULL DEFAULT 'pending',
        last_error text,
        published_version integer,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_listings PRIMARY KEY (product_id, shop_id),
        CONSTRAINT fk_listings_product_id FOREIGN KEY (product_id) REFERENCES catalog_sync.products (id) ON DELETE CASCADE,
        CONSTRAINT fk_listings_shop_id FOREIGN KEY (shop_id) REFERENCES core.shops (id) ON DELETE CASCADE,
        CONSTRAINT ck_listings_status CHECK (status IN ('pending', 'publishing', 'published', 'failed'))
      )`);
    await q.query(`
      CREATE TABLE catalog_sync.sku_mappings (
        sku_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform text NOT NULL,
        platform_product_id text NOT NULL,
        platform_sku_id text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_sku_mappings PRIMARY KEY (sku_id, shop_id),
        CONSTRAINT fk_sku_mappings_sku_id FOREIGN KEY (sku_id) REFERENCES catalog_sync.skus (id) ON DELETE CASCADE,
        CONSTRAINT fk_sku_mappings_shop_id FOREIGN KEY (shop_id) REFERENCES core.shops (id) ON DELETE CASCADE,
        CONSTRAINT uq_sku_mappings_shop_id_platform_sku_id UNIQUE (shop_id, platform_sku_id)
      )`);
    await q.query(`
      CREATE TABLE catalog_sync.sku_mapping_history (
        id bigserial NOT NULL,
        sku_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform_product_id text,
        platform_sku_id text,
        action text NOT NULL,
        reason text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_sku_mapping_history PRIMARY KEY (id),
        CONSTRAINT ck_sku_mapping_history_action CHECK (action IN ('mapped', 'remapped', 'unmapped'))
      )`);
    await q.query(`CREATE INDEX idx_sku_mapping_history_sku_id ON catalog_sync.sku_mapping_history (sku_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog_sync.sku_mapping_history`);
    await q.query(`DROP TABLE catalog_sync.sku_mappings`);
    await q.query(`DROP TABLE catalog_sync.listings`);
    await q.query(`DROP TABLE catalog_sync.product_overrides`);
  }
}
