import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merchant's orders by pay time (the SLA clock's start): the ops page's orders per minute (GET
 * /ops/throughput) reads one range per shop instead of every merchant's orders of the window.
 */
export class AddOrdersShopSlaStartedAtIndex1796310000000 implements MigrationInterface {
  name = 'AddOrdersShopSlaStartedAtIndex1796310000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_orders_shop_id_sla_started_at ON order_sync.orders (shop_id, sla_started_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX order_sync.idx_orders_shop_id_sla_started_at`);
  }
}
