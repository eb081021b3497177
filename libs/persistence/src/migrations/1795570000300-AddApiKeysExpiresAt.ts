import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Optional expiry of API keys; existing keys keep no expiry (NULL). */
export class AddApiKeysExpiresAt1795570000300 implements MigrationInterface {
  name = 'AddApiKeysExpiresAt1795570000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.api_keys ADD COLUMN expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE core.api_keys DROP COLUMN expires_at`);
  }
}
