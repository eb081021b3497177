import type { MigrationInterface, QueryRunner } from 'typeorm';

/** coupon's part of the exception inbox: the keys a merchant's ops resolved (a retried item that fails again is a new key). */
export class CreateCouponExceptionResolutions1796400000300 implements MigrationInterface {
  name = 'CreateCouponExceptionResolutions1796400000300';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE coupon.exception_resolutions (
        merchant_id uuid NOT NULL,
        key text NOT NULL,
        resolved_at timestamptz NOT NULL DEFAULT now(),
        note text,
        CONSTRAINT pk_coupon_exception_resolutions PRIMARY KEY (merchant_id, key)
      )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE coupon.exception_resolutions`);
  }
}
