import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shipments the ERP asks us to write back to the platforms. `idempotency_key` is `erp-<shipmentId>` when the
 * ERP names the shipment, else `auto-<sha256(order id / tracking no)>`, so a resent shipment is a no-op.
 * `next_attempt_at` is both the worker's lease and the retry back-off; `erp_notified_at` records that the
 * ERP has heard the outcome.
 */
export class CreateShipmentsTable1795575600800 implements MigrationInterface {
  name = 'CreateShipmentsTable1795575600800';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.shipments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL,
        platform text NOT NULL,
        platform_order_id text NOT NULL,
        tracking_no text NOT NULL,
        carrier_code text NOT NULL,
        line_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
        erp_shipment_id text,
        idempotency_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        erp_notified_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        shipped_at timestamptz,
        CONSTRAINT fk_shipments_order_id FOREIGN KEY (order_id) REFERENCES order_sync.orders (id),
        CONSTRAINT uq_shipments_idempotency_key UNIQUE (idempotency_key),
        CONSTRAINT ck_shipments_status CHECK (status IN ('pending', 'shipped', 'blocked_by_refund', 'failed'))
      )`);
    await q.query(`CREATE INDEX idx_shipments_order_id ON order_sync.shipments (order_id)`);
    await q.query(`CREATE INDEX idx_shipments_pending_created_at ON order_sync.shipments (created_at) WHERE status = 'pending'`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.shipments`);
  }
}
