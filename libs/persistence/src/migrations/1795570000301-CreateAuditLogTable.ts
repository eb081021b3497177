import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * core.audit_log: one row per admin action or buyer-data read, with the acting key. Append-only from the
 * application's side; `id` orders the rows and is the page cursor of GET /audit-log.
 */
export class CreateAuditLogTable1795570000301 implements MigrationInterface {
  name = 'CreateAuditLogTable1795570000301';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY,
        merchant_id uuid NOT NULL,
        actor_key_id uuid,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_audit_log PRIMARY KEY (id),
        CONSTRAINT fk_audit_log_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX idx_audit_log_merchant_id_id ON core.audit_log (merchant_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.audit_log`);
  }
}
