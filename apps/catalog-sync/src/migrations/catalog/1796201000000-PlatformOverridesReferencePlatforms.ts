import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * product_overrides.platform references core.platforms (created by persistence 1795575611000, which runs
 * first) instead of CHECK (platform IN (three names)): a registered platform needs no migration here.
 */
export class PlatformOverridesReferencePlatforms1796201000000 implements MigrationInterface {
  name = 'PlatformOverridesReferencePlatforms1796201000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.product_overrides DROP CONSTRAINT ck_product_overrides_platform`);
    await q.query(
      `ALTER TABLE catalog_sync.product_overrides ADD CONSTRAINT fk_product_overrides_platform FOREIGN KEY (platform) REFERENCES core.platforms (name) ON DELETE RESTRICT`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog_sync.product_overrides DROP CONSTRAINT fk_product_overrides_platform`);
    await q.query(`ALTER TABLE catalog_sync.product_overrides ADD CONSTRAINT ck_product_overrides_platform CHECK (platform IN ('douyin', 'taobao', 'xiaohongshu'))`);
  }
}
