import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMerchantsTable1795570000001 implements MigrationInterface {
  name = 'CreateMerchantsTable1795570000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.merchants (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_merchants PRIMARY KEY (id),
        CONSTRAINT uq_merchants_name UNIQUE (name),
        CONSTRAINT ck_merchants_name_not_blank CHECK (length(btrim(name)) > 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.merchants`);
  }
}
