import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alert outbox: one row per (alert transition, channel), written in the transaction of the transition.
 * The sender groups a channel's due rows into one message (core.alert_messages, one row per HTTP message,
 * which is also what the per-channel rate budget counts).
 */
export class CreateAlertDeliveriesTable1796300000004 implements MigrationInterface {
  name = 'CreateAlertDeliveriesTable1796300000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.alert_messages (
        id bigserial NOT NULL,
        channel_id uuid NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        items int NOT NULL,
        ok boolean,
        code text,
        is_test boolean NOT NULL DEFAULT false,
        CONSTRAINT pk_alert_messages PRIMARY KEY (id),
        CONSTRAINT fk_alert_messages_channel_id FOREIGN KEY (channel_id) REFERENCES core.alert_channels (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX idx_alert_messages_channel_id_sent_at ON core.alert_messages (channel_id, sent_at)`);
    await q.query(`
      CREATE TABLE core.alert_deliveries (
        id bigserial NOT NULL,
        channel_id uuid NOT NULL,
        alert_id bigint NOT NULL,
        event text NOT NULL,
        level text NOT NULL,
        summary_zh text NOT NULL,
        summary_en text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        created_at timestamptz NOT NULL DEFAULT now(),
        due_at timestamptz NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 0,
        message_id bigint,
        last_error text,
        sent_at timestamptz,
        CONSTRAINT pk_alert_deliveries PRIMARY KEY (id),
        CONSTRAINT fk_alert_deliveries_channel_id FOREIGN KEY (channel_id) REFERENCES core.alert_channels (id) ON DELETE CASCADE,
        CONSTRAINT fk_alert_deliveries_alert_id FOREIGN KEY (alert_id) REFERENCES core.alerts (id) ON DELETE CASCADE,
        CONSTRAINT fk_alert_deliveries_message_id FOREIGN KEY (message_id) REFERENCES core.alert_messages (id) ON DELETE SET NULL,
        CONSTRAINT ck_alert_deliveries_event CHECK (event IN ('firing', 'repeat', 'resolved')),
        CONSTRAINT ck_alert_deliveries_status CHECK (status IN ('pending', 'sent', 'failed', 'silenced'))
      )`);
    await q.query(`CREATE INDEX idx_alert_deliveries_pending ON core.alert_deliveries (channel_id, due_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX idx_alert_deliveries_alert_id ON core.alert_deliveries (alert_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.alert_deliveries`);
    await q.query(`DROP TABLE core.alert_messages`);
  }
}
