import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The merchant whose ERP an outbox row goes to, so that a delivery claims and batches one merchant's rows
 * only. Existing rows are backfilled from orders -> core.shops. Nullable: a row whose shop is unknown goes
 * to the deployment's default ERP, as every row did before. No index: rows are claimed by primary key.
 */
export class AddOutboxMerchantId1795575601200 implements MigrationInterface {
  name = 'AddOutboxMerchantId1795575601200';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.outbox ADD COLUMN merchant_id uuid`);
    await q.query(`
      UPDATE order_sync.outbox b SET merchant_id = s.merchant_id
        FROM order_sync.orders o JOIN core.shops s ON s.id = o.shop_id
       WHERE o.id = b.order_id`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.outbox DROP COLUMN merchant_id`);
  }
}
