import type { MigrationInterface, QueryRunner } from 'typeorm';

/** catalog-sync's exception inbox resolutions (issue 10 item 5), per merchant and key, like order-sync's. */
export class CreateCatalogExceptionResolutions1796201000200 implements MigrationInterface {
  name = 'CreateCatalogExceptionResolutions1796201000200';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_sync.exception_resolutions (
        merchant_id uuid NOT NULL,
        key text NOT NULL,
        resolved_at timestamptz NOT NULL DEFAULT now(),
        note text,
        CONSTRAINT pk_catalog_exception_resolutions PRIMARY KEY (merchant_id, key)
      )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog_sync.exception_resolutions`);
  }
}
