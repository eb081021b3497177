import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock: ERP on-hand levels, per-SKU allocation across platforms, reservations from paid orders,
 * what we last pushed to each shop, and the drift log.
 */
export class CreateStockTables1796100000000 implements MigrationInterface {
  name = 'CreateStockTables1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_sync.stock_levels (
        sku_id uuid NOT NULL,
        on_hand integer NOT NULL,
        safety_stock integer,
        erp_updated_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_stock_levels PRIMARY KEY (sku_id),
        CONSTRAINT fk_stock_levels_sku_id FOREIGN KEY (sku_id) REFERENCES catalog_sync.skus (id) ON DELETE CASCADE,
        CONSTRAINT ck_stock_levels_quantities CHECK (on_hand >= 0 AND (safety_stock IS NULL OR safety_stock >= 0))
      )`);
    await q.query(`
      CREATE TABLE catalog_sync.stock_allocations (
        sku_id uuid NOT NULL,
        mode text NOT NULL DEFAULT 'shared',
        shares jsonb NOT NULL DEFAULT '{}',
        ring_fenced_platform text,
        ring_fenced_quantity integer,
        live_session_id text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_stock_allocations PRIMARY KEY (sku_id),
        CONSTRAINT fk_stock_allocations_sku_id FOREIGN KEY (sku_id) REFERENCES catalog_sync.skus (id) ON DELETE CASCADE,
        CONSTRAINT ck_stock_allocations_mode CHECK (mode IN ('shared', 'fixed', 'ring_fenced')),
        CONSTRAINT ck_stock_allocations_ring CHECK (
          mode <> 'ring_fenced' OR (ring_fenced_platform IN ('douyin', 'taobao', 'xiaohongshu') AND ring_fenced_quantity >= 0)
        )
      )`);
    await q.query(`
      CREATE TABLE catalog_sync.stock_reservations (
        id bigserial NOT NULL,
        sku_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform text NOT NULL,
        platform_order_id text NOT NULL,
        quantity integer NOT NULL,
        status text NOT NULL,
        order_updated_at timestamptz NOT NULL,
        reserved_at timestamptz NOT NULL DEFAULT now(),
        consumed_at timestamptz,
        released_at timestamptz,
        CONSTRAINT pk_stock_reservations PRIMARY KEY (id),
        CONSTRAINT fk_stock_reservations_sku_id FOREIGN KEY (sku_id) REFERENCES catalog_sync.skus (id) ON DELETE CASCADE,
        CONSTRAINT uq_stock_reservations_order_key UNIQUE (platform, platform_order_id, sku_id),
        CONSTRAINT ck_stock_reservations_status CHECK (status IN ('reserved', 'consumed', 'released')),
        CONSTRAINT ck_stock_reservations_quantity CHECK (quantity > 0)
      )`);
    await q.query(`CREATE INDEX idx_stock_reservations_sku_id_shop_id ON catalog_sync.stock_reservations (sku_id, shop_id)`);
    await q.query(`
      CREATE TABLE catalog_sync.stock_pushes (
        sku_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        target_quantity integer,
        last_pushed_quantity integer,
        own_units_at_push integer NOT NULL DEFAULT 0,
        seq bigint NOT NULL DEFAULT 0,
        version bigint NOT NULL DEFAULT 0,
        pending_seq bigint,
        pending_delta integer,
        pending_target integer,
        pending_own_units integer,
        last_mode text,
        pushes integer NOT NULL DEFAULT 0,
        pushed_at timestamptz,
        last_error text,
        drift_seen_quantity integer,
        drift_seen_at timestamptz,
        CONSTRAINT pk_stock_pushes PRIMARY KEY (sku_id, shop_id),
        CONSTRAINT fk_stock_pushes_sku_id FOREIGN KEY (sku_id) REFERENCES catalog_sync.skus (id) ON DELETE CASCADE,
        CONSTRAINT fk_stock_pushes_shop_id FOREIGN KEY (shop_id) REFERENCES core.shops (id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE catalog_sync.stock_drift_log (
        id bigserial NOT NULL,
        sku_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform_quantity integer NOT NULL,
        expected_quantity integer,
        target_quantity integer NOT NULL,
        action text NOT NULL,
        reason text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_stock_drift_log PRIMARY KEY (id),
        CONSTRAINT ck_stock_drift_log_action CHECK (action IN ('observed', 'corrected'))
      )`);
    await q.query(`CREATE INDEX idx_stock_drift_log_sku_id_at ON catalog_sync.stock_drift_log (sku_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog_sync.stock_drift_log`);
    await q.query(`DROP TABLE catalog_sync.stock_pushes`);
    await q.query(`DROP TABLE catalog_sync.stock_reservations`);
    await q.query(`DROP TABLE catalog_sync.stock_allocations`);
    await q.query(`DROP TABLE catalog_sync.stock_levels`);
  }
}
