import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSlaEventsTable1795575600500 implements MigrationInterface {
  name = 'CreateSlaEventsTable1795575600500';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.sla_events (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL,
        platform text NOT NULL,
        level text NOT NULL,
        cause text NOT NULL,
        age_ms int NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_sla_events_order_id_level UNIQUE (order_id, level),
        CONSTRAINT ck_sla_events_level CHECK (level IN ('warning', 'breach'))
      )`);
    await q.query(`CREATE INDEX idx_sla_events_at ON order_sync.sla_events (at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.sla_events`);
  }
}
