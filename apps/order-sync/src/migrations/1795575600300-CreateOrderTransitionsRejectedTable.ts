import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrderTransitionsRejectedTable1795575600300 implements MigrationInterface {
  name = 'CreateOrderTransitionsRejectedTable1795575600300';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.order_transitions_rejected (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL,
        platform text NOT NULL,
        platform_order_id text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        platform_updated_at timestamptz NOT NULL,
        platform_status text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_order_transitions_rejected_order_id ON order_sync.order_transitions_rejected (order_id)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.order_transitions_rejected`);
  }
}
