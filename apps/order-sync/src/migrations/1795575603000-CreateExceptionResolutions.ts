import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The exception inbox's manual resolutions (issue 10 item 5): exceptions are derived from the tables'
 * state; a person resolving one records (merchant, key) here and it is hidden. Keyed by merchant: one
 * merchant's resolution never hides another's exception.
 */
export class CreateExceptionResolutions1795575603000 implements MigrationInterface {
  name = 'CreateExceptionResolutions1795575603000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.exception_resolutions (
        merchant_id uuid NOT NULL,
        key text NOT NULL,
        resolved_at timestamptz NOT NULL DEFAULT now(),
        note text,
        CONSTRAINT pk_exception_resolutions PRIMARY KEY (merchant_id, key)
      )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.exception_resolutions`);
  }
}
