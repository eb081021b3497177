import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `inbox.paid_at`: the payment time a message announces (PushMessage.paidAt), so the SLA watcher can start an
 * order's clock while the order is still only an inbox message (no orders row yet: Redis frozen, a slow
 * fetch). Pending rows are carried over where the stored columns already say it: Taobao's TradeBuyerPay and
 * Douyin's tag 101 (order paid) carry the payment's time as their event time. Processed rows need none.
 */
export class AddInboxPaidAt1795575602002 implements MigrationInterface {
  name = 'AddInboxPaidAt1795575602002';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.inbox ADD COLUMN paid_at timestamptz`);
    await q.query(`
      UPDATE order_sync.inbox SET paid_at = occurred_at
       WHERE status = 'pending' AND occurred_at IS NOT NULL
         AND ((platform = 'taobao' AND topic = 'taobao_trade_TradeBuyerPay') OR (platform = 'douyin' AND topic = '101'))`);
    await q.query(`CREATE INDEX idx_inbox_pending_paid_at ON order_sync.inbox (paid_at) WHERE status = 'pending' AND paid_at IS NOT NULL`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX order_sync.idx_inbox_pending_paid_at`);
    await q.query(`ALTER TABLE order_sync.inbox DROP COLUMN paid_at`);
  }
}
