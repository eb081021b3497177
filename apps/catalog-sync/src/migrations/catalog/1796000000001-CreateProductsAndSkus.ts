import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The canonical catalog: one product with its SKUs, defined once for every platform. */
export class CreateProductsAndSkus1796000000001 implements MigrationInterface {
  name = 'CreateProductsAndSkus1796000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_sync.products (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL,
        title text NOT NULL,
        description text NOT NULL DEFAULT '',
        images jsonb NOT NULL DEFAULT '[]',
        category text NOT NULL,
        attributes jsonb NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_products PRIMARY KEY (id),
        CONSTRAINT fk_products_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX idx_products_merchant_id ON catalog_sync.products (merchant_id)`);
    await q.query(`
      CREATE TABLE catalog_sync.skus (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        product_id uuid NOT NULL,
        merchant_id uuid NOT NULL,
        erp_sku_code text NOT NULL,
        barcode text,
        spec_values jsonb NOT NULL DEFAULT '{}',
        list_price_fen integer NOT NULL,
        sale_price_fen integer NOT NULL,
        weight_grams integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_skus PRIMARY KEY (id),
        CONSTRAINT fk_skus_product_id FOREIGN KEY (product_id) REFERENCES catalog_sync.products (id) ON DELETE CASCADE,
        CONSTRAINT uq_skus_merchant_id_erp_sku_code UNIQUE (merchant_id, erp_sku_code),
        CONSTRAINT ck_skus_prices CHECK (list_price_fen >= 0 AND sale_price_fen >= 0)
      )`);
    await q.query(`CREATE INDEX idx_skus_product_id ON catalog_sync.skus (product_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog_sync.skus`);
    await q.query(`DROP TABLE catalog_sync.products`);
  }
}
