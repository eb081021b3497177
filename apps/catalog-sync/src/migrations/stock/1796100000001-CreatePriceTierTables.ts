import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Scheduled price tiers per SKU and their application on each shop (applied, read back, reverted). */
export class CreatePriceTierTables1796100000001 implements MigrationInterface {
  name = 'CreatePriceTierTables1796100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_sync.price_tiers (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        sku_id uuid NOT NULL,
        kind text NOT NULL,
        price_fen integer NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'scheduled',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_price_tiers PRIMARY KEY (id),
        CONSTRAINT fk_price_tiers_sku_id FOREIGN KEY (sku_id) REFERENCES catalog_sync.skus (id) ON DELETE CASCADE,
        CONSTRAINT ck_price_tiers_kind CHECK (kind IN ('early_bird', 'regular', 'flash_sale')),
        CONSTRAINT ck_price_tiers_status CHECK (status IN ('scheduled', 'active', 'ended', 'cancelled')),
        CONSTRAINT ck_price_tiers_window CHECK (starts_at < ends_at),
        CONSTRAINT ck_price_tiers_price CHECK (price_fen > 0)
      )`);
    await q.query(`CREATE INDEX idx_price_tiers_sku_id_starts_at ON catalog_sync.price_tiers (sku_id, starts_at)`);
    await q.query(`
      CREATE TABLE catalog_sync.price_tier_applications (
        tier_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        action text NOT NULL,
        price_fen integer NOT NULL,
        applied_at timestamptz,
        verified_at timestamptz,
        verification text NOT NULL DEFAULT 'pending',
        read_back_price_fen integer,
        last_error text,
        CONSTRAINT pk_price_tier_applications PRIMARY KEY (tier_id, shop_id, action),
        CONSTRAINT fk_price_tier_applications_tier_id FOREIGN KEY (tier_id) REFERENCES catalog_sync.price_tiers (id) ON DELETE CASCADE,
        CONSTRAINT fk_price_tier_applications_shop_id FOREIGN KEY (shop_id) REFERENCES core.shops (id) ON DELETE CASCADE,
        CONSTRAINT ck_price_tier_applications_action CHECK (action IN ('apply', 'revert')),
        CONSTRAINT ck_price_tier_applications_verification CHECK (verification IN ('pending', 'verified', 'mismatch', 'unverified', 'failed'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog_sync.price_tier_applications`);
    await q.query(`DROP TABLE catalog_sync.price_tiers`);
  }
}
