import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One shop's side of a campaign (issue 11 item 2): its state (pending / manual / unsupported with the reason,
 * then creating / created / stopping / stopped / failed), the platform API it goes through and, once created, the
 * platform's coupon id. The merchant is on the row and in the key to the campaign: a row can never hang off
 * another merchant's campaign.
 */
export class CreateCampaignShops1796340000002 implements MigrationInterface {
  name = 'CreateCampaignShops1796340000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE coupon.campaign_shops (
        campaign_id uuid NOT NULL,
        merchant_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform text NOT NULL,
        state text NOT NULL,
        reason text,
        warnings text[] NOT NULL DEFAULT '{}',
        api text,
        idempotency_key text NOT NULL,
        platform_coupon_id text,
        last_error text,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_campaign_shops PRIMARY KEY (campaign_id, shop_id),
        CONSTRAINT fk_campaign_shops_campaign FOREIGN KEY (merchant_id, campaign_id) REFERENCES coupon.campaigns (merchant_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_campaign_shops_shop_id FOREIGN KEY (shop_id) REFERENCES core.shops (id) ON DELETE CASCADE,
        CONSTRAINT uq_campaign_shops_merchant_id_idempotency_key UNIQUE (merchant_id, idempotency_key),
        CONSTRAINT ck_campaign_shops_state CHECK (state IN ('pending', 'creating', 'created', 'stopping', 'stopped', 'manual', 'unsupported', 'failed')),
        CONSTRAINT ck_campaign_shops_reason CHECK (state NOT IN ('manual', 'unsupported') OR reason IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_campaign_shops_shop_id_platform_coupon_id ON coupon.campaign_shops (shop_id, platform_coupon_id) WHERE platform_coupon_id IS NOT NULL`);
    await q.query(`CREATE INDEX idx_campaign_shops_merchant_id ON coupon.campaign_shops (merchant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE coupon.campaign_shops`);
  }
}
