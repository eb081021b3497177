import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reconcile of our redemption count with a platform's usage statistics (issue 11 item 4): per (campaign, shop)
 * what the platform last said it counted, our count at that moment, and when (RedemptionReconciler).
 */
export class AddCampaignShopsUsage1796500000300 implements MigrationInterface {
  name = 'AddCampaignShopsUsage1796500000300';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE coupon.campaign_shops ADD COLUMN platform_used int, ADD COLUMN platform_used_amount_fen bigint, ADD COLUMN counted_at_check int, ADD COLUMN usage_checked_at timestamptz`,
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE coupon.campaign_shops DROP COLUMN platform_used, DROP COLUMN platform_used_amount_fen, DROP COLUMN counted_at_check, DROP COLUMN usage_checked_at`);
  }
}
