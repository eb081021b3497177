import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Push message ids are unique per app, not per platform: the key becomes (platform, app_key, message_id), where
 * app_key is the app whose secret signed the push (HTTP) or whose TMC stream delivered it (Taobao), so a
 * message id one app pushes first cannot swallow another app's. Existing rows take the app key of their shop;
 * rows without a shop keep '' (they were never matched to an app, and stay unique among themselves).
 */
export class KeyInboxByAppKey1795575601100 implements MigrationInterface {
  name = 'KeyInboxByAppKey1795575601100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.inbox ADD COLUMN app_key text NOT NULL DEFAULT ''`);
    await q.query(`UPDATE order_sync.inbox i SET app_key = s.app_key FROM core.shops s WHERE s.id = i.shop_id`);
    await q.query(`ALTER TABLE order_sync.inbox ALTER COLUMN app_key DROP DEFAULT`);
    await q.query(`ALTER TABLE order_sync.inbox DROP CONSTRAINT uq_inbox_platform_message_id`);
    await q.query(`ALTER TABLE order_sync.inbox ADD CONSTRAINT uq_inbox_platform_app_key_message_id UNIQUE (platform, app_key, message_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // the old key cannot hold two apps' rows with one message id: keep the earliest of each
    await q.query(`
      DELETE FROM order_sync.inbox a USING order_sync.inbox b
      WHERE a.platform = b.platform AND a.message_id = b.message_id AND a.id > b.id`);
    await q.query(`ALTER TABLE order_sync.inbox DROP CONSTRAINT uq_inbox_platform_app_key_message_id`);
    await q.query(`ALTER TABLE order_sync.inbox ADD CONSTRAINT uq_inbox_platform_message_id UNIQUE (platform, message_id)`);
    await q.query(`ALTER TABLE order_sync.inbox DROP COLUMN app_key`);
  }
}
