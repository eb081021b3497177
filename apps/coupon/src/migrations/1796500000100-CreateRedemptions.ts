import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Redemptions counted from orders and the budget guard's marks (issue 11 items 4-5).
 *
 * - coupon.order_states: the newest version of each order a coupon event spoke of (its platform update time) and
 *   whether it was refunded / cancelled: events may arrive out of order (two workers), an older one changes nothing,
 *   and a refund heard of first still wins over the paid version heard of after it.
 * - coupon.redemptions: one row per coupon line of an order (line_no: its place among the order's coupon lines),
 *   attributed to one of the merchant's campaigns by the platform's coupon id where the order names it, else by the
 *   coupon's amount when exactly one campaign live on that shop has it (attribution `amount`), else none (kept, with
 *   the reason, so ops see merchant coupon spend that is not ours). `returned` once the order is refunded / cancelled.
 * - coupon.budget_marks: each 80 / 100 / 120 % crossing of a campaign's budget, once (the alert's record).
 */
export class CreateRedemptions1796500000100 implements MigrationInterface {
  name = 'CreateRedemptions1796500000100';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE coupon.order_states (
        merchant_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform_order_id text NOT NULL,
        order_updated_at timestamptz NOT NULL,
        returned boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (shop_id, platform_order_id)
      )`);
    await q.query(`
      CREATE TABLE coupon.redemptions (
        id bigserial PRIMARY KEY,
        merchant_id uuid NOT NULL,
        shop_id uuid NOT NULL,
        platform text NOT NULL,
        platform_order_id text NOT NULL,
        line_no int NOT NULL,
        campaign_id uuid,
        attribution text NOT NULL,
        reason text,
        platform_coupon_id text,
        platform_type text,
        bearer text NOT NULL,
        discount_fen bigint NOT NULL,
        gmv_fen bigint NOT NULL,
        status text NOT NULL DEFAULT 'redeemed',
        paid_at timestamptz,
        order_updated_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        returned_at timestamptz,
        CONSTRAINT uq_redemptions_order_line UNIQUE (shop_id, platform_order_id, line_no),
        CONSTRAINT ck_redemptions_status CHECK (status IN ('redeemed', 'returned')),
        CONSTRAINT ck_redemptions_attribution CHECK (attribution IN ('coupon_id', 'amount', 'none')),
        CONSTRAINT ck_redemptions_campaign CHECK ((attribution = 'none') = (campaign_id IS NULL))
      )`);
    await q.query(`CREATE INDEX idx_redemptions_campaign ON coupon.redemptions (merchant_id, campaign_id, created_at) WHERE campaign_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE coupon.budget_marks (
        merchant_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        pct int NOT NULL,
        spent_fen bigint NOT NULL,
        budget_fen bigint NOT NULL,
        crossed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, pct),
        CONSTRAINT ck_budget_marks_pct CHECK (pct IN (80, 100, 120))
      )`);
    // the guard's stop: when, at what spend (the overshoot is measured from here to the last platform's stop)
    await q.query(`ALTER TABLE coupon.campaigns ADD COLUMN exhausted_at timestamptz, ADD COLUMN exhausted_spent_fen bigint`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE coupon.campaigns DROP COLUMN exhausted_at, DROP COLUMN exhausted_spent_fen`);
    await q.query(`DROP TABLE coupon.budget_marks`);
    await q.query(`DROP TABLE coupon.redemptions`);
    await q.query(`DROP TABLE coupon.order_states`);
  }
}
