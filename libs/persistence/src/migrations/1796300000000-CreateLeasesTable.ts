import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The gateway's singleton loops (alert evaluation, alert sending) hold a lease here, as order-sync's do in order_sync.leases. */
export class CreateLeasesTable1796300000000 implements MigrationInterface {
  name = 'CreateLeasesTable1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.leases (
        name text NOT NULL,
        holder text NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT pk_leases PRIMARY KEY (name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.leases`);
  }
}
