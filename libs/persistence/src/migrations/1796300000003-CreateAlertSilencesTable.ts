import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A silenced alert key sends nothing until the silence expires. merchant_id NULL: set by the operator. */
export class CreateAlertSilencesTable1796300000003 implements MigrationInterface {
  name = 'CreateAlertSilencesTable1796300000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.alert_silences (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        merchant_id uuid,
        key text NOT NULL,
        reason text,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid,
        CONSTRAINT pk_alert_silences PRIMARY KEY (id),
        CONSTRAINT fk_alert_silences_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX idx_alert_silences_key_expires_at ON core.alert_silences (key, expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.alert_silences`);
  }
}
