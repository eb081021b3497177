import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Canonical orders. `change_seq` (from a sequence) and `change_xid` (the writing transaction) are set on
 * every applied change; the ERP pull API pages by (change_xid, change_seq) below the snapshot xmin so a
 * late-committing transaction can never slip in behind a cursor.
 */
export class CreateOrdersTable1795575600200 implements MigrationInterface {
  name = 'CreateOrdersTable1795575600200';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE order_sync.orders_change_seq AS bigint`);
    await q.query(`
      CREATE TABLE order_sync.orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        platform text NOT NULL,
        shop_id uuid NOT NULL,
        platform_order_id text NOT NULL,
        status text NOT NULL,
        platform_status text NOT NULL,
        platform_updated_at timestamptz NOT NULL,
        status_rank smallint NOT NULL,
        version int NOT NULL DEFAULT 1,
        pay_time timestamptz,
        created_at_platform timestamptz NOT NULL,
        cod boolean NOT NULL DEFAULT false,
        sla_started_at timestamptz,
        total_fen bigint NOT NULL,
        paid_fen bigint NOT NULL,
        shipping_fen bigint NOT NULL,
        discount_fen bigint NOT NULL,
        buyer jsonb NOT NULL,
        items jsonb NOT NULL,
        refund_status text NOT NULL DEFAULT 'none',
        erp_order_id text,
        erp_acked_at timestamptz,
        change_seq bigint NOT NULL DEFAULT nextval('order_sync.orders_change_seq'),
        change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_orders_platform_order_id UNIQUE (platform, platform_order_id)
      )`);
    await q.query(`CREATE INDEX idx_orders_change ON order_sync.orders (change_xid, change_seq)`);
    await q.query(`CREATE INDEX idx_orders_unacked_sla ON order_sync.orders (sla_started_at) WHERE erp_acked_at IS NULL`);
    await q.query(`CREATE INDEX idx_orders_sla_started_at ON order_sync.orders (sla_started_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.orders`);
    await q.query(`DROP SEQUENCE order_sync.orders_change_seq`);
  }
}
