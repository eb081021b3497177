import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Order lines whose platform SKU matches none of ours (no mapping in the shop, no ERP code of the merchant): their
 * orders reserve no stock. One row per (shop, platform SKU), counted; the exception inbox shows each until a
 * mapping (or the ERP code) makes it match (issue 10 item 5, `unmapped_sku`).
 */
export class CreateUnmappedSkus1796400000400 implements MigrationInterface {
  name = 'CreateUnmappedSkus1796400000400';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_sync.unmapped_skus (
        shop_id uuid NOT NULL,
        platform_sku_id text NOT NULL,
        erp_sku_code text,
        lines integer NOT NULL DEFAULT 0,
        last_order_id text,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_unmapped_skus PRIMARY KEY (shop_id, platform_sku_id),
        CONSTRAINT fk_unmapped_skus_shop_id FOREIGN KEY (shop_id) REFERENCES core.shops (id) ON DELETE CASCADE
      )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog_sync.unmapped_skus`);
  }
}
