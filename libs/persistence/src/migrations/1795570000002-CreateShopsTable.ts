import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateShopsTable1795570000002 implements MigrationInterface {
  name = 'CreateShopsTable1795570000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.shops (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL,
        platform text NOT NULL,
        platform_shop_id text NOT NULL,
        name text NOT NULL,
        app_key text NOT NULL,
        base_url text NOT NULL,
        credentials bytea NOT NULL,
        token_expires_at timestamptz,
        status text NOT NULL DEFAULT 'active',
        status_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_shops PRIMARY KEY (id),
        CONSTRAINT fk_shops_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE RESTRICT,
        CONSTRAINT uq_shops_platform_platform_shop_id UNIQUE (platform, platform_shop_id),
        CONSTRAINT ck_shops_platform CHECK (platform IN ('douyin', 'taobao', 'xiaohongshu')),
        CONSTRAINT ck_shops_status CHECK (status IN ('active', 'needs_reauth', 'disabled'))
      )`);
    await q.query(`CREATE INDEX idx_shops_app_key ON core.shops (app_key)`);
    await q.query(`CREATE INDEX idx_shops_merchant_id ON core.shops (merchant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.shops`);
  }
}
