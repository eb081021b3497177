import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrderSyncSchema1795575600000 implements MigrationInterface {
  name = 'CreateOrderSyncSchema1795575600000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS order_sync`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS order_sync`);
  }
}
