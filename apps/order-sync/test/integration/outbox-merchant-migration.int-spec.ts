import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { AddOutboxMerchantId1795575601200 } from '../../src/migrations/1795575601200-AddOutboxMerchantId';
import { AddOutboxPendingPushByMerchantIndex1795575602100 } from '../../src/migrations/1795575602100-AddOutboxPendingPushByMerchantIndex';

describe(AddOutboxMerchantId1795575601200.name, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    // the schema as it was before the migration (and without the later ones that need its column), with data in it
    const later: Function[] = [AddOutboxMerchantId1795575601200, AddOutboxPendingPushByMerchantIndex1795575602100];
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS.filter((m) => !later.includes(m)) });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('backfills every existing outbox row with the merchant of its order’s shop (null when the shop is unknown)', async () => {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const merchants = [randomUUID(), randomUUID()];
    const shops = [randomUUID(), randomUUID()];
    for (let i = 0; i < 2; i++) {
      await q(`INSERT INTO core.merchants (id, name) VALUES ($1, $2)`, [merchants[i], `m${i}`]);
      await q(
        `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
         VALUES ($1, $2, 'douyin', $3, 's', 'ak', '\\x00')`,
        [shops[i], merchants[i], `ps${i}`],
      );
    }
    const order = async (shopId: string, pid: string): Promise<string> =>
      (
        await q(
          `INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
             created_at_platform, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items)
           VALUES ('douyin', $1, $2, 'paid', '2', now(), 1, now(), 1, 1, 0, 0, '\\x00'::bytea, '[]') RETURNING id`,
          [shopId, pid],
        )
      )[0].id;
    const outbox = async (orderId: string): Promise<string> =>
      (
        await q(
          `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload) VALUES ($1, 1, 'push', $2, '{}') RETURNING id::text AS id`,
          [orderId, `${orderId}-v1`],
        )
      )[0].id;
    const rows = [await outbox(await order(shops[0], 'o1')), await outbox(await order(shops[1], 'o2')), await outbox(await order(randomUUID(), 'o3'))];

    const runner = db.dataSource.createQueryRunner();
    try {
      await new AddOutboxMerchantId1795575601200().up(runner);
    } finally {
      await runner.release();
    }
    const after: { id: string; merchant_id: string | null }[] = await q(
      `SELECT id::text AS id, merchant_id FROM order_sync.outbox WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [rows],
    );
    expect(after.map((r) => r.merchant_id)).toEqual([merchants[0], merchants[1], null]);
  });
});
