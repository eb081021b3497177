import type { MigrationInterface, QueryRunner } from 'typeorm';
import { platformRegistry } from '@app/platforms';

/**
 * core.platforms: the registered platforms (issue 9, docs/adr/0003-platform-registry.md). Replaces the
 * `platform IN ('douyin', 'taobao', 'xiaohongshu')` CHECKs of core.shops and core.platform_apps with a
 * foreign key, so a fifth platform needs no migration of its own: the rows come from the registry
 * (libs/platforms/src/registry.ts), seeded here and upserted again by syncPlatformsTable after every
 * migrate run (a platform added after this migration ran gets its row then).
 */
export class CreatePlatformsTable1795575611000 implements MigrationInterface {
  name = 'CreatePlatformsTable1795575611000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.platforms (
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_platforms PRIMARY KEY (name),
        CONSTRAINT ck_platforms_name CHECK (name ~ '^[a-z][a-z0-9_]{1,31}$')
      )`);
    await q.query(`INSERT INTO core.platforms (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [platformRegistry.names()]);
    // rows already there keep working even if the registry lost their platform (it then fails loudly in the apps)
    await q.query(`INSERT INTO core.platforms (name) SELECT DISTINCT platform FROM core.shops ON CONFLICT DO NOTHING`);
    await q.query(`INSERT INTO core.platforms (name) SELECT DISTINCT platform FROM core.platform_apps ON CONFLICT DO NOTHING`);
    await q.query(`ALTER TABLE core.shops DROP CONSTRAINT ck_shops_platform`);
    await q.query(`ALTER TABLE core.shops ADD CONSTRAINT fk_shops_platform FOREIGN KEY (platform) REFERENCES core.platforms (name) ON DELETE RESTRICT`);
    await q.query(`ALTER TABLE core.platform_apps DROP CONSTRAINT ck_platform_apps_platform`);
    await q.query(
      `ALTER TABLE core.platform_apps ADD CONSTRAINT fk_platform_apps_platform FOREIGN KEY (platform) REFERENCES core.platforms (name) ON DELETE RESTRICT`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.platform_apps DROP CONSTRAINT fk_platform_apps_platform`);
    await q.query(`ALTER TABLE core.platform_apps ADD CONSTRAINT ck_platform_apps_platform CHECK (platform IN ('douyin', 'taobao', 'xiaohongshu'))`);
    await q.query(`ALTER TABLE core.shops DROP CONSTRAINT fk_shops_platform`);
    await q.query(`ALTER TABLE core.shops ADD CONSTRAINT ck_shops_platform CHECK (platform IN ('douyin', 'taobao', 'xiaohongshu'))`);
    await q.query(`DROP TABLE core.platforms`);
  }
}

/** Upserts the registry's platforms into core.platforms (run after migrations; idempotent). */
export async function syncPlatformsTable(db: { query(sql: string, params?: unknown[]): Promise<unknown> }, names: readonly string[] = platformRegistry.names()): Promise<void> {
  await db.query(`INSERT INTO core.platforms (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [names]);
}
