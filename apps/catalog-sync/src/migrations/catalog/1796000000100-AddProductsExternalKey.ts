import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The merchant's own product key (SPU code) used by catalog imports: re-importing a file updates the
 * products it created instead of adding copies. Optional for products created through the API.
 */
export class AddProductsExternalKey1796000000100 implements MigrationInterface {
  name = 'AddProductsExternalKey1796000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.products ADD COLUMN external_key text`);
    await q.query(
      `CREATE UNIQUE INDEX uq_products_merchant_id_external_key ON catalog_sync.products (merchant_id, external_key) WHERE external_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX catalog_sync.uq_products_merchant_id_external_key`);
    await q.query(`ALTER TABLE catalog_sync.products DROP COLUMN external_key`);
  }
}
