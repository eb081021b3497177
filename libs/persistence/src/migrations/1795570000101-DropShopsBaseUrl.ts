import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A shop's API base URL is operator configuration per platform (PLATFORM_BASE_URL_<PLATFORM>), not a shop
 * field: the column goes. Nothing to carry over: a merchant-chosen URL is exactly what must no longer be used.
 * down() restores the column with the production hosts.
 */
export class DropShopsBaseUrl1795570000101 implements MigrationInterface {
  name = 'DropShopsBaseUrl1795570000101';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.shops DROP COLUMN base_url`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.shops ADD COLUMN base_url text`);
    await q.query(`
      UPDATE core.shops SET base_url = CASE platform
        WHEN 'douyin' THEN 'https://openapi-fxg.jinritemai.com'
        WHEN 'taobao' THEN 'https://eco.taobao.com'
        ELSE 'https://ark.xiaohongshu.com' END`);
    await q.query(`ALTER TABLE core.shops ALTER COLUMN base_url SET NOT NULL`);
  }
}
