import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A merchant's own banned words, checked on top of the shipped list (apps/catalog-sync/data/banned-words.json). */
export class CreateBannedWordsCustom1796000000102 implements MigrationInterface {
  name = 'CreateBannedWordsCustom1796000000102';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_sync.banned_words_custom (
        merchant_id uuid NOT NULL,
        word text NOT NULL,
        category text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_banned_words_custom PRIMARY KEY (merchant_id, word),
        CONSTRAINT fk_banned_words_custom_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE CASCADE,
        CONSTRAINT ck_banned_words_custom_word_not_blank CHECK (length(btrim(word)) > 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog_sync.banned_words_custom`);
  }
}
