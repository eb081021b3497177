import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One ERP connection per merchant. A merchant without a row is delivered with the deployment's
 * environment ERP (ERP_CONNECTOR / ERP_BASE_URL / ERP_SECRET ...), as before this table existed,
 * so no data needs carrying over. `credentials` is a SecretBox blob bound to the merchant id.
 */
export class CreateErpConnectionsTable1795570000200 implements MigrationInterface {
  name = 'CreateErpConnectionsTable1795570000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE core.erp_connections (
        merchant_id uuid NOT NULL,
        connector text NOT NULL,
        base_url text,
        app_key text,
        shop_id_map jsonb,
        credentials bytea,
        batch_size int NOT NULL DEFAULT 50,
        timeout_ms int NOT NULL DEFAULT 5000,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid,
        CONSTRAINT pk_erp_connections PRIMARY KEY (merchant_id),
        CONSTRAINT fk_erp_connections_merchant_id FOREIGN KEY (merchant_id) REFERENCES core.merchants (id) ON DELETE CASCADE,
        CONSTRAINT ck_erp_connections_connector CHECK (connector IN ('generic-http', 'jushuitan', 'pull')),
        CONSTRAINT ck_erp_connections_push_target CHECK (connector = 'pull' OR (base_url IS NOT NULL AND credentials IS NOT NULL)),
        CONSTRAINT ck_erp_connections_batch_size CHECK (batch_size BETWEEN 1 AND 50),
        CONSTRAINT ck_erp_connections_timeout_ms CHECK (timeout_ms BETWEEN 100 AND 30000)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE core.erp_connections`);
  }
}
