import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * core.oauth_states: pending shop authorisations (POST /shops/authorize). Only the SHA-256 of the state is
 * stored; a state is bound to its merchant, platform and app, expires, and is consumed once (DELETE ... RETURNING).
 */
export class CreateOauthStatesTable1795570000102 implements MigrationInterface {
  name = 'CreateOauthStatesTable1795570000102';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.oauth_states (
        state_hash text NOT NULL,
        merchant_id uuid NOT NULL,
        platform text NOT NULL,
        app_key text NOT NULL,
        redirect_uri text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_oauth_states PRIMARY KEY (state_hash),
        CONSTRAINT fk_oauth_states_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX idx_oauth_states_expires_at ON core.oauth_states (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.oauth_states`);
  }
}
