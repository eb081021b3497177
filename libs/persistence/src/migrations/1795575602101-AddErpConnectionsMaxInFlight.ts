import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merchant's cap on ERP calls in flight (per order-sync process): the adaptive limit of its deliveries moves
 * between 1 and this. NULL (every existing row): the deployment's ERP_MAX_IN_FLIGHT.
 */
export class AddErpConnectionsMaxInFlight1795575602101 implements MigrationInterface {
  name = 'AddErpConnectionsMaxInFlight1795575602101';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.erp_connections ADD COLUMN max_in_flight int`);
    await q.query(
      `ALTER TABLE core.erp_connections ADD CONSTRAINT ck_erp_connections_max_in_flight CHECK (max_in_flight IS NULL OR max_in_flight BETWEEN 1 AND 256)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.erp_connections DROP COLUMN max_in_flight`);
  }
}
