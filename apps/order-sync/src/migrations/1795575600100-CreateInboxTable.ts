import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Verified platform push messages, durable before the platform gets its 200. */
export class CreateInboxTable1795575600100 implements MigrationInterface {
  name = 'CreateInboxTable1795575600100';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.inbox (
        id bigserial PRIMARY KEY,
        platform text NOT NULL,
        message_id text NOT NULL,
        platform_shop_id text,
        shop_id uuid,
        topic text NOT NULL,
        kind text NOT NULL,
        platform_order_id text,
        occurred_at timestamptz,
        raw text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        processed_at timestamptz,
        last_error text,
        CONSTRAINT uq_inbox_platform_message_id UNIQUE (platform, message_id),
        CONSTRAINT ck_inbox_status CHECK (status IN ('pending', 'processed', 'failed', 'ignored'))
      )`);
    await q.query(`CREATE INDEX idx_inbox_pending_received_at ON order_sync.inbox (received_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX idx_inbox_platform_order_id ON order_sync.inbox (platform, platform_order_id)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.inbox`);
  }
}
