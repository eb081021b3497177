import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCoreSchema1795570000000 implements MigrationInterface {
  name = 'CreateCoreSchema1795570000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS core`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA core`);
  }
}
