import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merchant's acknowledged orders by ack time: the ops page's pay -> ERP-ack p50/p99 per minute (GET
 * /ops/throughput). Partial: orders not yet acked are not in it; it carries the pay time, so the latency of a
 * window is read from the index alone.
 */
export class AddOrdersShopErpAckedAtIndex1796310000100 implements MigrationInterface {
  name = 'AddOrdersShopErpAckedAtIndex1796310000100';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_orders_shop_id_erp_acked_at ON order_sync.orders (shop_id, erp_acked_at) INCLUDE (sla_started_at) WHERE erp_acked_at IS NOT NULL`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX order_sync.idx_orders_shop_id_erp_acked_at`);
  }
}
