import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * core.platform_apps: a merchant's self-developed platform app, owned by that merchant alone; one row (one
 * secret) per (platform, app_key) in the whole deployment. The operator's ISV apps are not rows: they live in
 * PLATFORM_APPS. Existing shops carry over: each (platform, app_key) already in use becomes an app of the
 * merchant of its oldest shop, with secret NULL ("legacy": the secret is still the one sealed in that
 * merchant's shop credentials; the next appSecret sent through the API seals it here). SQL cannot decrypt,
 * so the secret itself cannot move in this migration.
 */
export class CreatePlatformAppsTable1795570000100 implements MigrationInterface {
  name = 'CreatePlatformAppsTable1795570000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.platform_apps (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        platform text NOT NULL,
        app_key text NOT NULL,
        merchant_id uuid NOT NULL,
        secret bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_platform_apps PRIMARY KEY (id),
        CONSTRAINT fk_platform_apps_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE RESTRICT,
        CONSTRAINT uq_platform_apps_platform_app_key UNIQUE (platform, app_key),
        CONSTRAINT ck_platform_apps_platform CHECK (platform IN ('douyin', 'taobao', 'xiaohongshu'))
      )`);
    await q.query(`CREATE INDEX idx_platform_apps_merchant_id ON core.platform_apps (merchant_id)`);
    await q.query(`
      INSERT INTO core.platform_apps (platform, app_key, merchant_id, secret)
      SELECT DISTINCT ON (platform, app_key) platform, app_key, merchant_id, NULL::bytea
      FROM core.shops
      ORDER BY platform, app_key, (status = 'disabled'), created_at, id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.platform_apps`);
  }
}
