import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which publish request (run) last queued a listing, so a bulk publish can report its progress. */
export class AddListingsPublishRun1796000000101 implements MigrationInterface {
  name = 'AddListingsPublishRun1796000000101';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.listings ADD COLUMN publish_run_id uuid, ADD COLUMN published_at timestamptz`);
    await q.query(`CREATE INDEX idx_listings_publish_run_id ON catalog_sync.listings (publish_run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX catalog_sync.idx_listings_publish_run_id`);
    await q.query(`ALTER TABLE catalog_sync.listings DROP COLUMN published_at, DROP COLUMN publish_run_id`);
  }
}
