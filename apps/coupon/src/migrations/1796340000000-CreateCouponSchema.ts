import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCouponSchema1796340000000 implements MigrationInterface {
  name = 'CreateCouponSchema1796340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS coupon`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS coupon`);
  }
}
