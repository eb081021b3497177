import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeysTable1795570000003 implements MigrationInterface {
  name = 'CreateApiKeysTable1795570000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.api_keys (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL,
        roles text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT pk_api_keys PRIMARY KEY (id),
        CONSTRAINT fk_api_keys_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE RESTRICT,
        CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash),
        CONSTRAINT ck_api_keys_roles CHECK (
          cardinality(roles) > 0 AND roles <@ ARRAY['admin', 'merchandiser', 'ops', 'erp']::text[]
        )
      )`);
    await q.query(`CREATE INDEX idx_api_keys_prefix ON core.api_keys (prefix)`);
    await q.query(`CREATE INDEX idx_api_keys_merchant_id ON core.api_keys (merchant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.api_keys`);
  }
}
