import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `order_sync.sla_events` becomes the SLA ledger that GET /ops/sla counts from: each event carries its order's
 * shop, merchant, platform order id and clock start (an event may be recorded while the order is still only an
 * inbox message, before any orders row exists), where it was decided (`source`: 'waiting' by the watcher,
 * 'ack' at the ERP's acknowledgement), when an ack showed it did not happen after all (`disproved_at`: the ERP
 * had accepted the order in time but its answer reached us late) and when its alert was posted (`alerted_at`).
 * Existing events are carried over from their orders and shops; they were alerted when recorded.
 */
export class ExtendSlaEventsLedger1795575602000 implements MigrationInterface {
  name = 'ExtendSlaEventsLedger1795575602000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE order_sync.sla_events
        ADD COLUMN shop_id uuid,
        ADD COLUMN merchant_id uuid,
        ADD COLUMN platform_order_id text,
        ADD COLUMN sla_started_at timestamptz,
        ADD COLUMN source text NOT NULL DEFAULT 'waiting',
        ADD COLUMN disproved_at timestamptz,
        ADD COLUMN alerted_at timestamptz,
        ADD CONSTRAINT ck_sla_events_source CHECK (source IN ('waiting', 'ack'))`);
    await q.query(`
      UPDATE order_sync.sla_events e
         SET shop_id = o.shop_id, platform_order_id = o.platform_order_id, sla_started_at = o.sla_started_at, alerted_at = e.at,
             merchant_id = (SELECT s.merchant_id FROM core.shops s WHERE s.id = o.shop_id)
        FROM order_sync.orders o
       WHERE o.id = e.order_id`);
    await q.query(`ALTER TABLE order_sync.sla_events ALTER COLUMN source DROP DEFAULT`);
    await q.query(`CREATE INDEX idx_sla_events_merchant_id_sla_started_at ON order_sync.sla_events (merchant_id, sla_started_at)`);
    await q.query(`CREATE INDEX idx_sla_events_sla_started_at ON order_sync.sla_events (sla_started_at)`);
    await q.query(`CREATE INDEX idx_sla_events_unalerted ON order_sync.sla_events (at) WHERE alerted_at IS NULL`);
  }
  async down(q: QueryRunner): Promise<void> {
    // events of orders that never got an orders row (recorded from the inbox) cannot be shown without these columns
    await q.query(`DELETE FROM order_sync.sla_events e WHERE NOT EXISTS (SELECT 1 FROM order_sync.orders o WHERE o.id = e.order_id)`);
    await q.query(`DROP INDEX order_sync.idx_sla_events_unalerted`);
    await q.query(`DROP INDEX order_sync.idx_sla_events_sla_started_at`);
    await q.query(`DROP INDEX order_sync.idx_sla_events_merchant_id_sla_started_at`);
    await q.query(`
      ALTER TABLE order_sync.sla_events
        DROP CONSTRAINT ck_sla_events_source,
        DROP COLUMN alerted_at, DROP COLUMN disproved_at, DROP COLUMN source, DROP COLUMN sla_started_at,
        DROP COLUMN platform_order_id, DROP COLUMN merchant_id, DROP COLUMN shop_id`);
  }
}
