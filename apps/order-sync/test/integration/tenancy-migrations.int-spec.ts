import { SecretBox } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { KeyOrdersByShop1795575601000 } from '../../src/migrations/1795575601000-KeyOrdersByShop';
import { KeyShipmentsByMerchant1795575601001 } from '../../src/migrations/1795575601001-KeyShipmentsByMerchant';
import { CreateOrdersRefusedTable1795575601002 } from '../../src/migrations/1795575601002-CreateOrdersRefusedTable';
import { SealBuyerData1795575601003 } from '../../src/migrations/1795575601003-SealBuyerData';
import { buyerAad } from '../../src/orders/buyer-vault';
import { TEST_SECRETS_KEY } from '../harness';

const NEW = [KeyOrdersByShop1795575601000, KeyShipmentsByMerchant1795575601001, CreateOrdersRefusedTable1795575601002, SealBuyerData1795575601003];

describe('tenancy migrations carry existing data over', () => {
  let db: TestDatabase;
  const before = process.env.SECRETS_KEY;
  const box = SecretBox.fromConfig(TEST_SECRETS_KEY);
  const buyer = { nickMasked: 'Old Canary', receiverMasked: 'Old Receiver', phoneMasked: '13800000042', addressMasked: 'Old Road 1' };

  beforeAll(async () => {
    process.env.SECRETS_KEY = TEST_SECRETS_KEY;
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS.slice(0, ALL_MIGRATIONS.indexOf(KeyOrdersByShop1795575601000)) });
  });
  afterAll(async () => {
    process.env.SECRETS_KEY = before;
    await db?.drop();
  });

  it('seal the buyers of stored orders and outbox payloads, key shipments by merchant, and revert', async () => {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id: merchant }] = await q(`INSERT INTO core.merchants (name) VALUES ('Old Co') RETURNING id`);
    const [{ id: shop }] = await q(
      `INSERT INTO core.shops (merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, 'douyin', 'old-1', 'n', 'ak', '\\x01'::bytea) RETURNING id`,
      [merchant],
    );
    const [{ id: order }] = await q(
      `INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
              created_at_platform, total_fen, paid_fen, shipping_fen, discount_fen, buyer, items)
       VALUES ('douyin', $1, 'OLD-1', 'paid', '2', now(), 1, now(), 100, 100, 0, 0, $2, '[]') RETURNING id`,
      [shop, JSON.stringify(buyer)],
    );
    await q(
      `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload) VALUES ($1::uuid, 1, 'push', $1::text || '-v1', $2)`,
      [order, JSON.stringify({ platformOrderId: 'OLD-1', buyer })],
    );
    await q(
      `INSERT INTO order_sync.shipments (order_id, platform, platform_order_id, tracking_no, carrier_code, erp_shipment_id, idempotency_key)
       VALUES ($1, 'douyin', 'OLD-1', 'T1', 'sf', 'S1', 'erp-S1')`,
      [order],
    );

    const runner = db.dataSource.createQueryRunner();
    try {
      for (const M of NEW) await new M().up(runner);
      const [o] = await q(`SELECT * FROM order_sync.orders WHERE id = $1`, [order]);
      expect(o.buyer).toBeUndefined();
      expect(box.openJson(o.buyer_enc, buyerAad(order))).toEqual(buyer);
      const [ob] = await q(`SELECT payload FROM order_sync.outbox WHERE order_id = $1`, [order]);
      expect(Object.keys(ob.payload).sort()).toEqual(['buyerSealed', 'platformOrderId']);
      expect(box.openJson(Buffer.from(ob.payload.buyerSealed, 'base64'), buyerAad(order))).toEqual(buyer);
      expect(JSON.stringify(await q(`SELECT t::text FROM order_sync.orders t UNION ALL SELECT t::text FROM order_sync.outbox t`))).not.toMatch(
        /Canary|13800000042/,
      );
      expect(await q(`SELECT merchant_id FROM order_sync.shipments`)).toEqual([{ merchant_id: merchant }]);
      // the new keys: per shop, per merchant
      await expect(
        q(`INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
                  created_at_platform, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items)
           VALUES ('douyin', $1, 'OLD-1', 'paid', '2', now(), 1, now(), 1, 1, 0, 0, '\\x00', '[]')`, [shop]),
      ).rejects.toThrow(/uq_orders_shop_id_platform_order_id/);

      for (const M of [...NEW].reverse()) await new M().down(runner);
      const [back] = await q(`SELECT buyer FROM order_sync.orders WHERE id = $1`, [order]);
      expect(back.buyer).toEqual(buyer);
      const [obBack] = await q(`SELECT payload FROM order_sync.outbox WHERE order_id = $1`, [order]);
      expect(obBack.payload).toEqual({ platformOrderId: 'OLD-1', buyer });
    } finally {
      await runner.release();
    }
  });
});
