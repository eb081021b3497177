import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When our belief of a platform's figure was last set to an absolute number (a full push, or the figure read
 * from the platform). A sale made before then but heard of after is already in that number: it must not be
 * taken off the belief again (StockRepository.applyReservations).
 */
export class AddStockPushesAnchoredAt1796100000002 implements MigrationInterface {
  name = 'AddStockPushesAnchoredAt1796100000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.stock_pushes ADD COLUMN anchored_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.stock_pushes DROP COLUMN anchored_at`);
  }
}
