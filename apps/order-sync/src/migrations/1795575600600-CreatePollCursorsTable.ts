import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-shop incremental poll state: the window being paged and where the next one starts. */
export class CreatePollCursorsTable1795575600600 implements MigrationInterface {
  name = 'CreatePollCursorsTable1795575600600';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_sync.poll_cursors (
        shop_id uuid PRIMARY KEY,
        cursor_at timestamptz NOT NULL,
        window_from timestamptz,
        window_to timestamptz,
        page_state text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_sync.poll_cursors`);
  }
}
