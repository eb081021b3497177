import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-shop poll cadence state: `fast_until` (polled at the fast interval until then: its polls found orders
 * no push announced), `deep_at` (the last poll that re-read the deep overlap) and `started_at` (when polling
 * of the shop began: orders paid before it were never ours to be pushed, so they are not "found by poll").
 * Existing cursors have polled since before these columns: `started_at` stays null (= always), the others
 * start empty.
 */
export class AddPollCursorsCadence1795575602201 implements MigrationInterface {
  name = 'AddPollCursorsCadence1795575602201';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.poll_cursors ADD COLUMN fast_until timestamptz, ADD COLUMN deep_at timestamptz, ADD COLUMN started_at timestamptz`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.poll_cursors DROP COLUMN fast_until, DROP COLUMN deep_at, DROP COLUMN started_at`);
  }
}
