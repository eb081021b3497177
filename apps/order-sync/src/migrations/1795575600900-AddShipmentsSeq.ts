import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Insertion order of shipments: rows inserted by one statement share created_at, so they are listed by seq. */
export class AddShipmentsSeq1795575600900 implements MigrationInterface {
  name = 'AddShipmentsSeq1795575600900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.shipments ADD COLUMN seq bigserial NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.shipments DROP COLUMN seq`);
  }
}
