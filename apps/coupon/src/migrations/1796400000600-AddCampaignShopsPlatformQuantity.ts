import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The coupon total the platform holds for a created coupon (set at create, moved by a stock change): what a PATCH of totalQuantity is compared with. */
export class AddCampaignShopsPlatformQuantity1796400000600 implements MigrationInterface {
  name = 'AddCampaignShopsPlatformQuantity1796400000600';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE coupon.campaign_shops ADD COLUMN platform_quantity integer`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE coupon.campaign_shops DROP COLUMN platform_quantity`);
  }
}
