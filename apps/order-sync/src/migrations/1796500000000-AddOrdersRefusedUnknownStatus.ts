import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A refused platform answer may also be an order whose platform status has no canonical mapping (`unknown_status`):
 * recorded and skipped, so the rest of its list page still applies.
 */
export class AddOrdersRefusedUnknownStatus1796500000000 implements MigrationInterface {
  name = 'AddOrdersRefusedUnknownStatus1796500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.orders_refused DROP CONSTRAINT ck_orders_refused_reason`);
    await q.query(
      `ALTER TABLE order_sync.orders_refused ADD CONSTRAINT ck_orders_refused_reason CHECK (reason IN ('foreign_shop', 'not_asked', 'future_time', 'unknown_status'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM order_sync.orders_refused WHERE reason = 'unknown_status'`);
    await q.query(`ALTER TABLE order_sync.orders_refused DROP CONSTRAINT ck_orders_refused_reason`);
    await q.query(`ALTER TABLE order_sync.orders_refused ADD CONSTRAINT ck_orders_refused_reason CHECK (reason IN ('foreign_shop', 'not_asked', 'future_time'))`);
  }
}
