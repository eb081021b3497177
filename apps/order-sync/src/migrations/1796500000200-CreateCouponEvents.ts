import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The coupon-event outbox (issue 11 item 4, docs/adr/0014): the same shape as order_sync.stock_events. One row
 * per applied order change that names a discount line or is a refund / cancellation, written in the order's own
 * transaction (OrderUpsertRepository) with the slim event apps/coupon counts redemptions from (ids, status, money,
 * discount lines; no buyer data). CouponEventRelay moves rows to {coupon-events} jobs and deletes them once their
 * job has completed. Unique per (order, version).
 */
export class CreateCouponEvents1796500000200 implements MigrationInterface {
  name = 'CreateCouponEvents1796500000200';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.coupon_events (
        id bigserial PRIMARY KEY,
        shop_id uuid NOT NULL,
        order_id uuid NOT NULL,
        version int NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        relayed_at timestamptz,
        job_id text,
        relays int NOT NULL DEFAULT 0,
        CONSTRAINT uq_coupon_events_order_version UNIQUE (order_id, version)
      )`);
    await q.query(`CREATE INDEX idx_coupon_events_unrelayed ON order_sync.coupon_events (id) WHERE relayed_at IS NULL`);
    await q.query(`CREATE INDEX idx_coupon_events_relayed ON order_sync.coupon_events (relayed_at) WHERE relayed_at IS NOT NULL`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.coupon_events`);
  }
}
