import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where alerts go: a merchant's DingTalk / Feishu / WeCom robot or generic webhook, or (merchant_id NULL) the
 * operator's channel, which gets every merchant's alerts. The URL (its token is a credential) and the signing
 * secret are one SecretBox blob bound to the channel id; `url_display` is the URL with its token masked.
 */
export class CreateAlertChannelsTable1796300000001 implements MigrationInterface {
  name = 'CreateAlertChannelsTable1796300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.alert_channels (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        merchant_id uuid,
        kind text NOT NULL,
        name text NOT NULL,
        url_display text NOT NULL,
        credentials bytea NOT NULL,
        min_level text NOT NULL DEFAULT 'warning',
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid,
        last_sent_at timestamptz,
        last_error text,
        last_error_at timestamptz,
        CONSTRAINT pk_alert_channels PRIMARY KEY (id),
        CONSTRAINT fk_alert_channels_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE CASCADE,
        CONSTRAINT ck_alert_channels_kind CHECK (kind IN ('dingtalk', 'feishu', 'wecom', 'webhook')),
        CONSTRAINT ck_alert_channels_min_level CHECK (min_level IN ('info', 'warning', 'critical'))
      )`);
    await q.query(`CREATE INDEX idx_alert_channels_merchant_id ON core.alert_channels (merchant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.alert_channels`);
  }
}
