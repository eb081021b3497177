import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Redis / Postgres outages as an order-sync process saw them (its probes failing from `started_at` to
 * `ended_at`), written once the outage is over and Postgres answers again. The SLA ledger gives an order whose
 * wait overlaps one the cause redis_unavailable / postgres_unavailable, whichever process acks it.
 */
export class CreateDependencyOutagesTable1795575602001 implements MigrationInterface {
  name = 'CreateDependencyOutagesTable1795575602001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.dependency_outages (
        id bigserial PRIMARY KEY,
        dependency text NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz NOT NULL,
        instance text NOT NULL,
        CONSTRAINT uq_dependency_outages_instance_dependency_started_at UNIQUE (instance, dependency, started_at),
        CONSTRAINT ck_dependency_outages_dependency CHECK (dependency IN ('redis', 'postgres')),
        CONSTRAINT ck_dependency_outages_span CHECK (ended_at >= started_at)
      )`);
    await q.query(`CREATE INDEX idx_dependency_outages_ended_at ON order_sync.dependency_outages (ended_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.dependency_outages`);
  }
}
