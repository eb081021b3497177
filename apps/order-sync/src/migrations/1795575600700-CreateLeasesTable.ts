import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Named leases: which instance runs a singleton loop (SLA watcher, sweeper, poll scheduler). */
export class CreateLeasesTable1795575600700 implements MigrationInterface {
  name = 'CreateLeasesTable1795575600700';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.leases`);
  }
}
