import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shipments are unique per merchant: `merchant_id` (the order's shop's merchant, carried over from the
 * orders) joins the idempotency key, so a merchant naming another merchant's ERP shipment id first takes
 * nothing from it.
 */
export class KeyShipmentsByMerchant1795575601001 implements MigrationInterface {
  name = 'KeyShipmentsByMerchant1795575601001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.shipments ADD COLUMN merchant_id uuid`);
    await q.query(`
      UPDATE order_sync.shipments s SET merchant_id = sh.merchant_id
        FROM order_sync.orders o JOIN core.shops sh ON sh.id = o.shop_id
       WHERE o.id = s.order_id`);
    // a shipment whose shop is gone belongs to no merchant: the nil id, which no merchant has
    await q.query(`UPDATE order_sync.shipments SET merchant_id = '00000000-0000-0000-0000-000000000000' WHERE merchant_id IS NULL`);
    await q.query(`ALTER TABLE order_sync.shipments ALTER COLUMN merchant_id SET NOT NULL`);
    await q.query(
      `ALTER TABLE order_sync.shipments ADD CONSTRAINT uq_shipments_merchant_id_idempotency_key UNIQUE (merchant_id, idempotency_key)`,
    );
    await q.query(`ALTER TABLE order_sync.shipments DROP CONSTRAINT uq_shipments_idempotency_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.shipments ADD CONSTRAINT uq_shipments_idempotency_key UNIQUE (idempotency_key)`);
    await q.query(`ALTER TABLE order_sync.shipments DROP CONSTRAINT uq_shipments_merchant_id_idempotency_key`);
    await q.query(`ALTER TABLE order_sync.shipments DROP COLUMN merchant_id`);
  }
}
