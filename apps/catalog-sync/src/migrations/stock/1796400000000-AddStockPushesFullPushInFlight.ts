import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A full push in flight (StockRepository.startFullPush): when it started, the shop's own units at that
 * moment, and the units of sales first heard of while it was in flight that were made before it started
 * (the pushed figure absorbs them). Without these, a sale heard of between the platform taking the full
 * figure and our recording it was taken off the belief although the overwrite had already absorbed it.
 */
export class AddStockPushesFullPushInFlight1796400000000 implements MigrationInterface {
  name = 'AddStockPushesFullPushInFlight1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.stock_pushes
      ADD COLUMN full_push_started_at timestamptz,
      ADD COLUMN own_units_at_start int,
      ADD COLUMN absorbed_in_flight int NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.stock_pushes
      DROP COLUMN full_push_started_at, DROP COLUMN own_units_at_start, DROP COLUMN absorbed_in_flight`);
  }
}
