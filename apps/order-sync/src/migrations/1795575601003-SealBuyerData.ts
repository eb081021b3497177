import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SecretBox } from '@app/persistence/crypto/secret-box';
import { buyerAad } from '../orders/buyer-vault';

const BATCH = 1000;
const NO_UUID = '00000000-0000-0000-0000-000000000000';

/** keyset pages of `select` (its $1: the last id seen; ordered by id, at most BATCH rows), each handed to `apply` */
async function eachPage<R extends { id: string }>(q: QueryRunner, select: string, first: string, apply: (rows: R[]) => Promise<void>): Promise<void> {
  for (let after = first; ; ) {
    const rows: R[] = await q.query(select, [after]);
    if (rows.length === 0) return;
    await apply(rows);
    after = rows[rows.length - 1].id;
  }
}

/** SECRETS_KEY from the migrate job's environment, read only when there is something to seal or open */
function lazyBox(): () => SecretBox {
  let box: SecretBox | null = null;
  return () => (box ??= SecretBox.fromConfig(process.env.SECRETS_KEY));
}

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
    const box = lazyBox();
    await q.query(`ALTER TABLE order_sync.orders ADD COLUMN buyer_enc bytea`);
    await eachPage<{ id: string; buyer: unknown }>(
      q,
      `SELECT id, buyer FROM order_sync.orders WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`,
      NO_UUID,
      (rows) =>
        q.query(`UPDATE order_sync.orders o SET buyer_enc = u.blob FROM unnest($1::uuid[], $2::bytea[]) AS u(id, blob) WHERE o.id = u.id`, [
          rows.map((r) => r.id),
          rows.map((r) => box().sealJson(r.buyer, buyerAad(r.id))),
        ]),
    );
    await q.query(`ALTER TABLE order_sync.orders ALTER COLUMN buyer_enc SET NOT NULL`);
    await q.query(`ALTER TABLE order_sync.orders DROP COLUMN buyer`);
    await eachPage<{ id: string; order_id: string; buyer: unknown }>(
      q,
      `SELECT id::text AS id, order_id, payload->'buyer' AS buyer FROM order_sync.outbox
        WHERE id > $1::bigint AND payload ? 'buyer' ORDER BY id LIMIT ${BATCH}`,
      '0',
      (rows) =>
        q.query(
          `UPDATE order_sync.outbox o SET payload = (o.payload - 'buyer') || jsonb_build_object('buyerSealed', u.sealed)
             FROM unnest($1::bigint[], $2::text[]) AS u(id, sealed) WHERE o.id = u.id`,
          [rows.map((r) => r.id), rows.map((r) => box().sealJson(r.buyer, buyerAad(r.order_id)).toString('base64'))],
        ),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const box = lazyBox();
    await q.query(`ALTER TABLE order_sync.orders ADD COLUMN buyer jsonb`);
    await eachPage<{ id: string; buyer_enc: Buffer }>(
      q,
      `SELECT id, buyer_enc FROM order_sync.orders WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`,
      NO_UUID,
      (rows) =>
        q.query(`UPDATE order_sync.orders o SET buyer = u.buyer FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, buyer) WHERE o.id = u.id`, [
          rows.map((r) => r.id),
          rows.map((r) => box().open(r.buyer_enc, buyerAad(r.id)).toString('utf8')),
        ]),
    );
    await q.query(`ALTER TABLE order_sync.orders ALTER COLUMN buyer SET NOT NULL`);
    await q.query(`ALTER TABLE order_sync.orders DROP COLUMN buyer_enc`);
    await eachPage<{ id: string; order_id: string; sealed: string }>(
      q,
      `SELECT id::text AS id, order_id, payload->>'buyerSealed' AS sealed FROM order_sync.outbox
        WHERE id > $1::bigint AND payload ? 'buyerSealed' ORDER BY id LIMIT ${BATCH}`,
      '0',
      (rows) =>
        q.query(
          `UPDATE order_sync.outbox o SET payload = (o.payload - 'buyerSealed') || jsonb_build_object('buyer', u.buyer)
             FROM unnest($1::bigint[], $2::jsonb[]) AS u(id, buyer) WHERE o.id = u.id`,
          [rows.map((r) => r.id), rows.map((r) => box().open(Buffer.from(r.sealed, 'base64'), buyerAad(r.order_id)).toString('utf8'))],
        ),
    );
  }
}
