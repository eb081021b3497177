import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merchant's coupon campaign, defined once (issue 11 item 1). Amounts in fen; rate in per mille of the price
 * paid (850 = 8.5折). The checks repeat the DTO's rules so no writer can store a campaign the API would refuse.
 */
export class CreateCampaigns1796340000001 implements MigrationInterface {
  name = 'CreateCampaigns1796340000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE coupon.campaigns (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL,
        external_key text,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        kind text NOT NULL,
        threshold_fen bigint,
        amount_fen bigint,
        rate_permille integer,
        max_discount_fen bigint,
        total_quantity integer NOT NULL,
        per_user_limit integer NOT NULL,
        claim_starts_at timestamptz NOT NULL,
        claim_ends_at timestamptz NOT NULL,
        validity_kind text NOT NULL,
        valid_from timestamptz,
        valid_until timestamptz,
        valid_days integer,
        scope text NOT NULL,
        product_ids uuid[] NOT NULL DEFAULT '{}',
        audience text NOT NULL,
        member_level integer,
        crowd_tags text[] NOT NULL DEFAULT '{}',
        live_label text,
        live_starts_at timestamptz,
        live_ends_at timestamptz,
        budget_fen bigint NOT NULL,
        status text NOT NULL DEFAULT 'draft',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        stopped_at timestamptz,
        CONSTRAINT pk_campaigns PRIMARY KEY (id),
        CONSTRAINT uq_campaigns_merchant_id_id UNIQUE (merchant_id, id),
        CONSTRAINT fk_campaigns_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE RESTRICT,
        CONSTRAINT ck_campaigns_kind CHECK (kind IN ('threshold', 'direct', 'discount')),
        CONSTRAINT ck_campaigns_amounts CHECK (
          (kind = 'threshold' AND threshold_fen > 0 AND amount_fen > 0 AND amount_fen < threshold_fen AND rate_permille IS NULL)
          OR (kind = 'direct' AND amount_fen > 0 AND threshold_fen IS NULL AND rate_permille IS NULL)
          OR (kind = 'discount' AND rate_permille BETWEEN 1 AND 999 AND max_discount_fen > 0 AND amount_fen IS NULL)),
        CONSTRAINT ck_campaigns_quantity CHECK (total_quantity > 0 AND per_user_limit > 0 AND per_user_limit <= total_quantity),
        CONSTRAINT ck_campaigns_claim_window CHECK (claim_ends_at > claim_starts_at),
        CONSTRAINT ck_campaigns_validity CHECK (
          (validity_kind = 'fixed' AND valid_from IS NOT NULL AND valid_until > valid_from AND valid_days IS NULL)
          OR (validity_kind = 'after_claim' AND valid_days > 0 AND valid_from IS NULL AND valid_until IS NULL)),
        CONSTRAINT ck_campaigns_scope CHECK ((scope = 'shop' AND cardinality(product_ids) = 0) OR (scope = 'products' AND cardinality(product_ids) > 0)),
        CONSTRAINT ck_campaigns_audience CHECK (
          audience IN ('everyone', 'new_customers', 'followers')
          OR (audience = 'member_level' AND member_level >= 0)
          OR (audience = 'crowd_tags' AND cardinality(crowd_tags) > 0)),
        CONSTRAINT ck_campaigns_live CHECK (
          (live_label IS NULL AND live_starts_at IS NULL AND live_ends_at IS NULL)
          OR (live_label IS NOT NULL AND live_ends_at > live_starts_at)),
        CONSTRAINT ck_campaigns_budget CHECK (budget_fen > 0),
        CONSTRAINT ck_campaigns_status CHECK (status IN ('draft', 'scheduled', 'active', 'stopped', 'exhausted', 'ended'))
      )`);
    // a merchant's own key for the campaign (idempotent creation from their tools); other merchants may reuse it
    await q.query(`CREATE UNIQUE INDEX uq_campaigns_merchant_id_external_key ON coupon.campaigns (merchant_id, external_key) WHERE external_key IS NOT NULL`);
    await q.query(`CREATE INDEX idx_campaigns_merchant_id_created_at ON coupon.campaigns (merchant_id, created_at DESC, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE coupon.campaigns`);
  }
}
