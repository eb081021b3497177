import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merchant's due pending push rows, oldest first: what a delivery tops a call up with while that merchant has
 * a backlog (ErpDeliveryService FILL_SQL). Partial, like idx_outbox_pending, so it holds only rows still to
 * deliver; keyed by merchant so one merchant's backlog is found without walking another's.
 */
export class AddOutboxPendingPushByMerchantIndex1795575602100 implements MigrationInterface {
  name = 'AddOutboxPendingPushByMerchantIndex1795575602100';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_outbox_pending_push_merchant ON order_sync.outbox (merchant_id, id) WHERE status = 'pending' AND kind = 'push'`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX order_sync.idx_outbox_pending_push_merchant`);
  }
}
