import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stock-event outbox (issue 13 item 4, docs/adr/0014): one row per applied order change, written in the
 * order's own transaction (OrderUpsertRepository) with the slim event catalog-sync needs (ids, status, times,
 * SKU lines; no buyer data). StockEventRelay moves unrelayed rows to {stock-events} jobs and deletes them once
 * their job has completed; a job lost in Redis is added again. Unique per (order, version): a replayed batch
 * writes no second event.
 */
export class CreateStockEvents1796400000100 implements MigrationInterface {
  name = 'CreateStockEvents1796400000100';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.stock_events (
        id bigserial PRIMARY KEY,
        shop_id uuid NOT NULL,
        order_id uuid NOT NULL,
        version int NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        relayed_at timestamptz,
        job_id text,
        relays int NOT NULL DEFAULT 0,
        CONSTRAINT uq_stock_events_order_version UNIQUE (order_id, version)
      )`);
    await q.query(`CREATE INDEX idx_stock_events_unrelayed ON order_sync.stock_events (id) WHERE relayed_at IS NULL`);
    await q.query(`CREATE INDEX idx_stock_events_relayed ON order_sync.stock_events (relayed_at) WHERE relayed_at IS NOT NULL`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.stock_events`);
  }
}
