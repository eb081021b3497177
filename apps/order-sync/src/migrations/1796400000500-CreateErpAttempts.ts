import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ERP's answers to a delivery that did not go through (issue 10 item 5: the order trace shows each attempt):
 * one row per failed attempt of an outbox row — postponed (retry, with the error) or refused for good. The attempt
 * that succeeds is the outbox row's own delivered_at / the order's erp_order_id. Written in the same statement
 * as the outbox update, so the history costs no round trip; trimmed with the outbox's retention.
 */
export class CreateErpAttempts1796400000500 implements MigrationInterface {
  name = 'CreateErpAttempts1796400000500';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.erp_attempts (
        id bigserial PRIMARY KEY,
        outbox_id bigint NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        outcome text NOT NULL,
        error text,
        CONSTRAINT ck_erp_attempts_outcome CHECK (outcome IN ('retry', 'failed'))
      )`);
    await q.query(`CREATE INDEX idx_erp_attempts_outbox_id ON order_sync.erp_attempts (outbox_id, id)`);
    await q.query(`CREATE INDEX idx_erp_attempts_at ON order_sync.erp_attempts (at, id)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.erp_attempts`);
  }
}
