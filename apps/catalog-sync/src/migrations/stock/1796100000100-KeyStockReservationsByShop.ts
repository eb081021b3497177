import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock reservations are unique per shop order line: (shop_id, platform_order_id, sku_id) instead of
 * (platform, platform_order_id, sku_id), so another merchant's shop naming the same platform order id cannot
 * move or release a reservation. A shop has one platform, so existing rows carry over as they are.
 */
export class KeyStockReservationsByShop1796100000100 implements MigrationInterface {
  name = 'KeyStockReservationsByShop1796100000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE catalog_sync.stock_reservations ADD CONSTRAINT uq_stock_reservations_shop_order_key UNIQUE (shop_id, platform_order_id, sku_id)`,
    );
    await q.query(`ALTER TABLE catalog_sync.stock_reservations DROP CONSTRAINT uq_stock_reservations_order_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE catalog_sync.stock_reservations ADD CONSTRAINT uq_stock_reservations_order_key UNIQUE (platform, platform_order_id, sku_id)`,
    );
    await q.query(`ALTER TABLE catalog_sync.stock_reservations DROP CONSTRAINT uq_stock_reservations_shop_order_key`);
  }
}
