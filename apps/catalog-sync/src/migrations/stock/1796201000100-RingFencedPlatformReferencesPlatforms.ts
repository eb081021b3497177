import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * stock_allocations.ring_fenced_platform references core.platforms instead of the CHECK's three names;
 * the rest of the ring-fence rule (quantity >= 0, a platform when ring-fenced) stays a CHECK.
 */
export class RingFencedPlatformReferencesPlatforms1796201000100 implements MigrationInterface {
  name = 'RingFencedPlatformReferencesPlatforms1796201000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.stock_allocations DROP CONSTRAINT ck_stock_allocations_ring`);
    await q.query(`
      ALTER TABLE catalog_sync.stock_allocations ADD CONSTRAINT ck_stock_allocations_ring CHECK (
        mode <> 'ring_fenced' OR (ring_fenced_platform IS NOT NULL AND ring_fenced_quantity >= 0)
      )`);
    await q.query(
      `ALTER TABLE catalog_sync.stock_allocations ADD CONSTRAINT fk_stock_allocations_ring_fenced_platform FOREIGN KEY (ring_fenced_platform) REFERENCES core.platforms (name) ON DELETE RESTRICT`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.stock_allocations DROP CONSTRAINT fk_stock_allocations_ring_fenced_platform`);
    await q.query(`ALTER TABLE catalog_sync.stock_allocations DROP CONSTRAINT ck_stock_allocations_ring`);
    await q.query(`
      ALTER TABLE catalog_sync.stock_allocations ADD CONSTRAINT ck_stock_allocations_ring CHECK (
        mode <> 'ring_fenced' OR (ring_fenced_platform IN ('douyin', 'taobao', 'xiaohongshu') AND ring_fenced_quantity >= 0)
      )`);
  }
}
