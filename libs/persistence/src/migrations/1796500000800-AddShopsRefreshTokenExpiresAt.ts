import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a shop's grant (refresh token) ends for good, where the platform says so (Kuaishou: a fixed 180 days from the
 * first authorisation, `refresh_token_expires_in` on every token answer): the shop_token_expiring alert warns 14 days
 * ahead, since after it only a new authorisation helps (issue 9 item 2).
 */
export class AddShopsRefreshTokenExpiresAt1796500000800 implements MigrationInterface {
  name = 'AddShopsRefreshTokenExpiresAt1796500000800';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.shops ADD COLUMN refresh_token_expires_at timestamptz`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.shops DROP COLUMN refresh_token_expires_at`);
  }
}
