import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { ExtendSlaEventsLedger1795575602000 } from '../../src/migrations/1795575602000-ExtendSlaEventsLedger';
import { CreateDependencyOutagesTable1795575602001 } from '../../src/migrations/1795575602001-CreateDependencyOutagesTable';
import { AddInboxPaidAt1795575602002 } from '../../src/migrations/1795575602002-AddInboxPaidAt';

const LEDGER = [ExtendSlaEventsLedger1795575602000, CreateDependencyOutagesTable1795575602001, AddInboxPaidAt1795575602002];

describe('SLA ledger migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    // the schema as it was before them, with data in it
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS.filter((m) => !LEDGER.includes(m as (typeof LEDGER)[number])) });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('carry the existing SLA events (shop, merchant, order, clock start; alerted when recorded) and pending payment messages over, and go back down', async () => {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const merchant = randomUUID();
    const shop = randomUUID();
    await q(`INSERT INTO core.merchants (id, name) VALUES ($1, 'm')`, [merchant]);
    await q(`INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials) VALUES ($1, $2, 'taobao', 'ps', 's', 'ak', '\\x00')`, [shop, merchant]);
    const paid = new Date('2026-05-01T08:00:00.000Z');
    const [order] = await q(
      `INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
         created_at_platform, pay_time, sla_started_at, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items)
       VALUES ('taobao', $1, 'T1', 'paid', 'WAIT_SELLER_SEND_GOODS', now(), 1, now(), $2, $2, 1, 1, 0, 0, '\\x00'::bytea, '[]') RETURNING id`,
      [shop, paid],
    );
    const at = new Date('2026-05-01T08:00:31.000Z');
    await q(`INSERT INTO order_sync.sla_events (order_id, platform, level, cause, age_ms, at) VALUES ($1, 'taobao', 'breach', 'erp_down', 31000, $2)`, [order.id, at]);
    const message = (id: string, topic: string, status: string) =>
      q(
        `INSERT INTO order_sync.inbox (platform, message_id, shop_id, topic, kind, platform_order_id, occurred_at, raw, status, app_key)
         VALUES ('taobao', $1, $2, $3, 'order', 'T2', $4, '{}', $5, 'ak')`,
        [id, shop, topic, paid, status],
      );
    await message('m1', 'taobao_trade_TradeBuyerPay', 'pending');
    await message('m2', 'taobao_trade_TradeBuyerPay', 'processed');
    await message('m3', 'taobao_trade_TradeSellerShip', 'pending');

    const runner = db.dataSource.createQueryRunner();
    try {
      for (const M of LEDGER) await new M().up(runner);
      expect(
        await q(`SELECT order_id, shop_id, merchant_id, platform_order_id, sla_started_at, source, alerted_at, disproved_at FROM order_sync.sla_events`),
      ).toEqual([{ order_id: order.id, shop_id: shop, merchant_id: merchant, platform_order_id: 'T1', sla_started_at: paid, source: 'waiting', alerted_at: at, disproved_at: null }]);
      expect(await q(`SELECT message_id, paid_at FROM order_sync.inbox ORDER BY message_id`)).toEqual([
        { message_id: 'm1', paid_at: paid },
        { message_id: 'm2', paid_at: null },
        { message_id: 'm3', paid_at: null },
      ]);
      for (const M of [...LEDGER].reverse()) await new M().down(runner);
      expect(await q(`SELECT order_id, level, cause FROM order_sync.sla_events`)).toEqual([{ order_id: order.id, level: 'breach', cause: 'erp_down' }]);
      expect(await q(`SELECT to_regclass('order_sync.dependency_outages') AS t`)).toEqual([{ t: null }]);
    } finally {
      await runner.release();
    }
  });
});
