import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per order version to deliver to the ERP; `payload` is the canonical order as of that version. */
export class CreateOutboxTable1795575600400 implements MigrationInterface {
  name = 'CreateOutboxTable1795575600400';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.outbox (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL,
        version int NOT NULL,
        kind text NOT NULL,
        idempotency_key text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CONSTRAINT uq_outbox_idempotency_key UNIQUE (idempotency_key),
        CONSTRAINT ck_outbox_kind CHECK (kind IN ('push', 'intercept')),
        CONSTRAINT ck_outbox_status CHECK (status IN ('pending', 'delivered', 'failed'))
      )`);
    await q.query(`CREATE INDEX idx_outbox_pending ON order_sync.outbox (kind, id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX idx_outbox_order_id ON order_sync.outbox (order_id)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.outbox`);
  }
}
