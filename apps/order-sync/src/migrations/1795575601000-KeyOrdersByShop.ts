import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenancy in the order keys. Orders are unique per shop, not per platform: another merchant's shop can no
 * longer collide with (and take over) an order by naming its platform order id. A shop has one platform, so
 * the old key (platform, platform_order_id) implies the new one and existing rows carry over as they are.
 */
export class KeyOrdersByShop1795575601000 implements MigrationInterface {
  name = 'KeyOrdersByShop1795575601000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.orders ADD CONSTRAINT uq_orders_shop_id_platform_order_id UNIQUE (shop_id, platform_order_id)`);
    await q.query(`ALTER TABLE order_sync.orders DROP CONSTRAINT uq_orders_platform_order_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.orders ADD CONSTRAINT uq_orders_platform_order_id UNIQUE (platform, platform_order_id)`);
    await q.query(`ALTER TABLE order_sync.orders DROP CONSTRAINT uq_orders_shop_id_platform_order_id`);
  }
}
