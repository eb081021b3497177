import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a shop ships from (province / city), set by the merchant on the shop; Taobao's item.add requires it.
 * NULL (every existing row): not set, so a Taobao publish fails naming the setting. Both or neither.
 */
export class AddShopsLocation1796500000700 implements MigrationInterface {
  name = 'AddShopsLocation1796500000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.shops ADD COLUMN location_state text, ADD COLUMN location_city text`);
    await q.query(
      `ALTER TABLE core.shops ADD CONSTRAINT ck_shops_location CHECK (
         (location_state IS NULL AND location_city IS NULL)
         OR (
           location_state IS NOT NULL AND location_city IS NOT NULL
           AND length(btrim(location_state)) >= 1 AND length(location_state) <= 64
           AND length(btrim(location_city)) >= 1 AND length(location_city) <= 64
         )
       )`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.shops DROP CONSTRAINT ck_shops_location`);
    await q.query(`ALTER TABLE core.shops DROP COLUMN location_city, DROP COLUMN location_state`);
  }
}
