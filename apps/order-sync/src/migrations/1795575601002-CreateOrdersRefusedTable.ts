import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders a platform answer carried that were not applied: another shop's order (`foreign_shop`), an order
 * that was not asked for (`not_asked`), or platform times too far in the future (`future_time`). Keyed by the
 * asking shop; nothing of any other shop's rows is touched.
 */
export class CreateOrdersRefusedTable1795575601002 implements MigrationInterface {
  name = 'CreateOrdersRefusedTable1795575601002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.orders_refused (
        id bigserial PRIMARY KEY,
        shop_id uuid NOT NULL,
        platform text NOT NULL,
        platform_order_id text NOT NULL,
        reason text NOT NULL,
        platform_updated_at text,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_orders_refused_reason CHECK (reason IN ('foreign_shop', 'not_asked', 'future_time'))
      )`);
    await q.query(`CREATE INDEX idx_orders_refused_shop_id_at ON order_sync.orders_refused (shop_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.orders_refused`);
  }
}
