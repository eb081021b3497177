import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per alert key (`<merchant>:<rule>:<subject>`): pending (condition seen, not yet held long enough),
 * firing, or resolved. A key that fires again after resolving reopens its row.
 */
export class CreateAlertsTable1796300000002 implements MigrationInterface {
  name = 'CreateAlertsTable1796300000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.alerts (
        id bigserial NOT NULL,
        key text NOT NULL,
        merchant_id uuid NOT NULL,
        rule text NOT NULL,
        subject text NOT NULL,
        level text NOT NULL,
        state text NOT NULL,
        summary_zh text NOT NULL,
        summary_en text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        pending_since timestamptz,
        first_fired_at timestamptz,
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        last_sent_at timestamptz,
        next_repeat_at timestamptz,
        resolved_at timestamptz,
        CONSTRAINT pk_alerts PRIMARY KEY (id),
        CONSTRAINT uq_alerts_key UNIQUE (key),
        CONSTRAINT fk_alerts_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE CASCADE,
        CONSTRAINT ck_alerts_level CHECK (level IN ('info', 'warning', 'critical')),
        CONSTRAINT ck_alerts_state CHECK (state IN ('pending', 'firing', 'resolved'))
      )`);
    await q.query(`CREATE INDEX idx_alerts_merchant_id_state ON core.alerts (merchant_id, state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.alerts`);
  }
}
