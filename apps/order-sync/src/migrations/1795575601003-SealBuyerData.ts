import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SecretBox } from '@app/persistence/crypto/secret-box';
import { buyerAad } from '../orders/buyer-vault';

const BATCH = 1000;

/**
 * Buyer name, phone and address at rest are AES-256-GCM blobs bound to the order row id (see BuyerVault):
 * `orders.buyer` (jsonb) becomes `orders.buyer_enc` (bytea), and each outbox payload's `buyer` becomes
 * `buyerSealed` (base64 of a blob under the same associated data). Existing rows are sealed here, which needs
 * SECRETS_KEY in the migrate job's environment (read from process.env: migrations run outside the apps' typed
 * config); an empty database needs no key. `down` opens them again (same key).
 */
export class SealBuyerData1795575601003 implements MigrationInterface {
  name = 'SealBuyerData1795575601003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.orders ADD COLUMN buyer_enc bytea`);
    let box: SecretBox | null = null;
    const key = (): SecretBox => (box ??= SecretBox.fromConfig(process.env.SECRETS_KEY));
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows: { id: string; buyer: unknown }[] = await q.query(
        `SELECT id, buyer FROM order_sync.orders WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      await q.query(
        `UPDATE order_sync.orders o SET buyer_enc = u.blob FROM unnest($1::uuid[], $2::bytea[]) AS u(id, blob) WHERE o.id = u.id`,
        [rows.map((r) => r.id), rows.map((r) => key().sealJson(r.buyer, buyerAad(r.id)))],
      );
      after = rows[rows.length - 1].id;
    }
    await q.query(`ALTER TABLE order_sync.orders ALTER COLUMN buyer_enc SET NOT NULL`);
    await q.query(`ALTER TABLE order_sync.orders DROP COLUMN buyer`);

    for (let after = 0; ; ) {
      const rows: { id: string; order_id: string; buyer: unknown }[] = await q.query(
        `SELECT id::text AS id, order_id, payload->'buyer' AS buyer FROM order_sync.outbox
          WHERE id > $1 AND payload ? 'buyer' ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      await q.query(
        `UPDATE order_sync.outbox o SET payload = (o.payload - 'buyer') || jsonb_build_object('buyerSealed', u.sealed)
           FROM unnest($1::bigint[], $2::text[]) AS u(id, sealed) WHERE o.id = u.id`,
        [rows.map((r) => r.id), rows.map((r) => key().sealJson(r.buyer, buyerAad(r.order_id)).toString('base64'))],
      );
      after = Number(rows[rows.length - 1].id);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_sync.orders ADD COLUMN buyer jsonb`);
    let box: SecretBox | null = null;
    const key = (): SecretBox => (box ??= SecretBox.fromConfig(process.env.SECRETS_KEY));
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows: { id: string; buyer_enc: Buffer }[] = await q.query(
        `SELECT id, buyer_enc FROM order_sync.orders WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      await q.query(
        `UPDATE order_sync.orders o SET buyer = u.buyer FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, buyer) WHERE o.id = u.id`,
        [rows.map((r) => r.id), rows.map((r) => key().open(r.buyer_enc, buyerAad(r.id)).toString('utf8'))],
      );
      after = rows[rows.length - 1].id;
    }
    await q.query(`ALTER TABLE order_sync.orders ALTER COLUMN buyer SET NOT NULL`);
    await q.query(`ALTER TABLE order_sync.orders DROP COLUMN buyer_enc`);
    for (let after = 0; ; ) {
      const rows: { id: string; order_id: string; sealed: string }[] = await q.query(
        `SELECT id::text AS id, order_id, payload->>'buyerSealed' AS sealed FROM order_sync.outbox
          WHERE id > $1 AND payload ? 'buyerSealed' ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      await q.query(
        `UPDATE order_sync.outbox o SET payload = (o.payload - 'buyerSealed') || jsonb_build_object('buyer', u.buyer)
           FROM unnest($1::bigint[], $2::jsonb[]) AS u(id, buyer) WHERE o.id = u.id`,
        [rows.map((r) => r.id), rows.map((r) => key().open(Buffer.from(r.sealed, 'base64'), buyerAad(r.order_id)).toString('utf8'))],
      );
      after = Number(rows[rows.length - 1].id);
    }
  }
}
