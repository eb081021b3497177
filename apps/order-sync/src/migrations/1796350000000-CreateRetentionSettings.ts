import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (issue 12 item 4, docs/adr/0013): a merchant's own retention, in days per kind of row; NULL takes
 * the deployment's default (RETENTION_*_DAYS). The floors (retention/retention-policy.ts RETENTION_FLOORS_DAYS)
 * are CHECKs too, so no writer can store a value that would drop message ids inside a platform's redelivery
 * window. Plus the indexes the retention sweeper's batched deletes walk: finished rows by age, so a batch reads
 * the oldest finished rows and never scans pending ones (inbox, outbox), and the two audit tables by time.
 */
export class CreateRetentionSettings1796350000000 implements MigrationInterface {
  name = 'CreateRetentionSettings1796350000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.retention_settings (
        merchant_id uuid PRIMARY KEY,
        inbox_days int,
        outbox_days int,
        sla_events_days int,
        audit_days int,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_retention_settings_inbox_days CHECK (inbox_days IS NULL OR inbox_days BETWEEN 7 AND 3650),
        CONSTRAINT ck_retention_settings_outbox_days CHECK (outbox_days IS NULL OR outbox_days BETWEEN 7 AND 3650),
        CONSTRAINT ck_retention_settings_sla_events_days CHECK (sla_events_days IS NULL OR sla_events_days BETWEEN 7 AND 3650),
        CONSTRAINT ck_retention_settings_audit_days CHECK (audit_days IS NULL OR audit_days BETWEEN 2 AND 3650)
      )`);
    await q.query(`CREATE INDEX idx_inbox_done_received_at ON order_sync.inbox (received_at, id) WHERE status <> 'pending'`);
    await q.query(`CREATE INDEX idx_outbox_done_created_at ON order_sync.outbox (created_at, id) WHERE status <> 'pending'`);
    await q.query(`CREATE INDEX idx_order_transitions_rejected_at ON order_sync.order_transitions_rejected (at, id)`);
    await q.query(`CREATE INDEX idx_orders_refused_at ON order_sync.orders_refused (at, id)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX order_sync.idx_orders_refused_at`);
    await q.query(`DROP INDEX order_sync.idx_order_transitions_rejected_at`);
    await q.query(`DROP INDEX order_sync.idx_outbox_done_created_at`);
    await q.query(`DROP INDEX order_sync.idx_inbox_done_received_at`);
    await q.query(`DROP TABLE order_sync.retention_settings`);
  }
}
