import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the poller, not a push, told us of an order's paid state: set by the poll that wrote the order's
 * first ERP delivery while no push for it (an inbox row of the same shop and order whose event is at or after
 * the SLA start) had arrived — a lost push. The SLA ledger reads it as cause `push_lost`. Existing rows stay
 * null: how they arrived was not recorded.
 */
export class AddOrdersFoundByPollAt1795575602200 implements MigrationInterface {
  name = 'AddOrdersFoundByPollAt1795575602200';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.orders ADD COLUMN found_by_poll_at timestamptz`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.orders DROP COLUMN found_by_poll_at`);
  }
}
