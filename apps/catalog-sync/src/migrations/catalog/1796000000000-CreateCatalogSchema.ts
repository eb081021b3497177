import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCatalogSchema1796000000000 implements MigrationInterface {
  name = 'CreateCatalogSchema1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS catalog_sync`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS catalog_sync`);
  }
}
