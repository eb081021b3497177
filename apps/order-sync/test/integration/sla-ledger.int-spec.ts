/**
 * The SLA ledger on a real database: breaches decided at the ack (in the ack's transaction, no watcher pass
 * needed), waiting events disproved by the ERP's own ack time, orders still only in the inbox, outage causes,
 * the pull API's acks, and GET /ops/sla counting the ledger per merchant.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { CanonicalOrder } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import { ErpDeliveryService } from '../../src/delivery/erp-delivery.service';
import { OrderEventsProcessor } from '../../src/ingest/order-events.processor';
import { orderRowId } from '../../src/orders/buyer-vault';
import { OrderUpsertRepository } from '../../src/orders/order-upsert.repository';
import { DependencyOutages } from '../../src/sla/dependency-outages';
import type { SlaAlert } from '../../src/sla/sla-alert.notifier';
import { SlaLedger } from '../../src/sla/sla-ledger.service';
import { SlaWatcherService } from '../../src/sla/sla-watcher.service';
import { buildOrder } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

const MERCHANT_A = '5b1e0000-0000-4000-8000-0000000000a1';
const MERCHANT_B = '5b1e0000-0000-4000-8000-0000000000b1';
const SHOP_B = '7a4e1f3c-0000-4000-8000-0000000000b1';

interface EventRow {
  platform_order_id: string;
  level: string;
  cause: string;
  source: string;
  merchant_id: string | null;
  shop_id: string | null;
  age_ms: number;
  disproved: boolean;
  alerted: boolean;
}

describe('SLA ledger', () => {
  let h: Harness;
  let alertServer: Server;
  const alerts: SlaAlert[] = [];

  beforeAll(async () => {
    alertServer = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        alerts.push(...(JSON.parse(b) as { alerts: SlaAlert[] }).alerts);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => alertServer.listen(0, '127.0.0.1', r));
    h = await createHarness({ options: { alertWebhookUrl: `http://127.0.0.1:${(alertServer.address() as AddressInfo).port}/alerts` } });
    h.shops.addShop({ shopId: SHOP_B, platform: 'douyin', platformShopId: 'dy-shop-b', appKey: 'dy-app-b', appSecret: 'dy-secret-b' });
    await h.db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'a'), ($2, 'b')`, [MERCHANT_A, MERCHANT_B]);
    await h.db.dataSource.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-shop-1', 'a', 'dy-app', '\\x00'), ($3, $4, 'douyin', 'dy-shop-b', 'b', 'dy-app-b', '\\x00')`,
      [SHOP_ID, MERCHANT_A, SHOP_B, MERCHANT_B],
    );
  });
  afterAll(async () => {
    await h.close();
    await new Promise((r) => alertServer.close(r));
  });

  const iso = (ms: number) => new Date(ms).toISOString();
  const paidOrder = (shopId: string, id: string, paidAtMs: number): CanonicalOrder =>
    buildOrder({ shopId, id, status: 'paid', updatedAt: iso(paidAtMs), paidAt: iso(paidAtMs), createdAt: iso(paidAtMs - 5000) });

  /** the push message that announced it (received at `receivedAtMs`), so the order was not found by the poller */
  async function pushed(shopId: string, id: string, receivedAtMs: number): Promise<void> {
    await h.db.dataSource.query(
      `INSERT INTO order_sync.inbox (platform, message_id, platform_shop_id, shop_id, topic, kind, platform_order_id, raw, status, app_key, received_at, processed_at)
       VALUES ('douyin', $1, NULL, $2, '101', 'order', $3, '{}', 'processed', 'dy-app', $4, now())`,
      [`m-${id}`, shopId, id, iso(receivedAtMs)],
    );
  }

  /** stores the orders (as the ingest does) and returns their outbox rows, not yet delivered */
  async function store(...orders: CanonicalOrder[]): Promise<{ outboxId: string; merchantId: string | null }[]> {
    const s = await h.db.dataSource.transaction((em) => h.app.get(OrderUpsertRepository).apply(em, orders));
    return s.outbox.map((o) => ({ outboxId: o.outboxId, merchantId: o.merchantId ?? null }));
  }

  async function deliver(rows: { outboxId: string; merchantId: string | null }[]): Promise<void> {
    for (const r of rows) expect(await h.app.get(ErpDeliveryService).deliverPush([r.outboxId], r.merchantId)).toEqual({ kind: 'done' });
  }

  async function events(...ids: string[]): Promise<EventRow[]> {
    await h.app.get(SlaLedger).flush();
    return h.db.dataSource.query(
      `SELECT platform_order_id, level, cause, source, merchant_id, shop_id, age_ms, disproved_at IS NOT NULL AS disproved, alerted_at IS NOT NULL AS alerted
         FROM order_sync.sla_events WHERE platform_order_id = ANY($1::text[]) ORDER BY platform_order_id, level`,
      [ids],
    );
  }

  it('records a breach at the ack when no pass saw the order waiting, with its cause, and alerts it once', async () => {
    const now = Date.now();
    await pushed(SHOP_ID, 'A1', now - 39_000);
    await pushed(SHOP_ID, 'A1ok', now - 4000);
    const rows = await store(paidOrder(SHOP_ID, 'A1', now - 40_000), paidOrder(SHOP_ID, 'A1ok', now - 5000));
    // the ERP failed on A1 before it took it
    await h.db.dataSource.query(
      `UPDATE order_sync.outbox SET last_error = 'retryable: erp: retryable: HTTP 503: down', attempts = 3
        WHERE order_id = (SELECT id FROM order_sync.orders WHERE platform_order_id = 'A1')`,
    );
    await deliver(rows);
    const recorded = await events('A1', 'A1ok');
    expect(recorded.map((e) => [e.platform_order_id, e.level, e.cause, e.source, e.merchant_id, e.alerted])).toEqual([
      ['A1', 'breach', 'erp_down', 'ack', MERCHANT_A, true],
      ['A1', 'warning', 'erp_down', 'ack', MERCHANT_A, true],
    ]);
    expect(recorded[0].age_ms).toBeGreaterThanOrEqual(40_000);
    expect(alerts.filter((a) => a.platformOrderId === 'A1').map((a) => `${a.level}/${a.source}/${a.merchantId}`).sort()).toEqual([
      `breach/ack/${MERCHANT_A}`,
      `warning/ack/${MERCHANT_A}`,
    ]);
    const metric = await h.registry.getSingleMetricAsString('omnisync_sla_events_total');
    expect(metric).toMatch(/omnisync_sla_events_total\{platform="douyin",merchant="[^"]+",level="breach",cause="erp_down"\} 1$/m);
    // acked: a pass records nothing more, and the alerts are not sent again
    expect((await h.app.get(SlaWatcherService).check()).filter((a) => a.platformOrderId.startsWith('A1'))).toEqual([]);
    expect(await h.app.get(SlaLedger).resendUnalerted()).toBe(0);
  });

  it('disproves a waiting event when the ERP’s own ack time shows it had the order before the mark', async () => {
    const now = Date.now();
    await pushed(SHOP_ID, 'A2', now - 34_000);
    const rows = await store(paidOrder(SHOP_ID, 'A2', now - 35_000));
    // stored 34 s ago (its first ERP call's answer was lost); the watcher now sees it unacknowledged past both marks
    await h.db.dataSource.query(`UPDATE order_sync.orders SET first_seen_at = $1 WHERE platform_order_id = 'A2'`, [iso(now - 34_000)]);
    const seen = await h.app.get(SlaWatcherService).check(new Date(now));
    expect(seen.filter((a) => a.platformOrderId === 'A2').map((a) => `${a.level}/${a.source}`).sort()).toEqual(['breach/waiting', 'warning/waiting']);
    // the re-delivery's answer: the ERP accepted it 25 s after payment
    h.erp.acceptedAt.set('A2', iso(now - 10_000));
    await deliver(rows);
    expect((await events('A2')).map((e) => [e.level, e.disproved])).toEqual([
      ['breach', true],
      ['warning', false],
    ]);
    const [order] = await h.db.dataSource.query(`SELECT erp_acked_at FROM order_sync.orders WHERE platform_order_id = 'A2'`);
    expect((order.erp_acked_at as Date).toISOString()).toBe(iso(now - 10_000));
  });

  it('records an order still only in the inbox under the id its order row gets, and judges it at its ack', async () => {
    const ingest = h.app.get(OrderEventsProcessor).worker;
    await ingest.pause();
    const now = Date.now();
    try {
      await h.app.get(InboxWriter).write([
        {
          message: { platform: 'douyin', messageId: 'i1-paid', platformShopId: 'dy-shop-b', topic: '101', kind: 'order', platformOrderId: 'I1', occurredAt: iso(now - 22_000), paidAt: iso(now - 22_000), raw: '{}' },
          appKey: 'dy-app-b',
          shopId: SHOP_B,
        },
        // a message that announces no payment is not an SLA clock
        {
          message: { platform: 'douyin', messageId: 'i2-created', platformShopId: 'dy-shop-b', topic: '100', kind: 'order', platformOrderId: 'I2', occurredAt: iso(now - 25_000), raw: '{}' },
          appKey: 'dy-app-b',
          shopId: SHOP_B,
        },
      ]);
      await h.app.get(InboxWriter).flush();
      // its fetch was refused by our own per-shop limiter (the platform quota)
      await h.db.dataSource.query(
        `UPDATE order_sync.inbox SET last_error = $1 WHERE platform_order_id = 'I1'`,
        [`rate_limited: douyin: rate_limited: local QPS limit 50/s reached for douyin:${SHOP_B}`],
      );
      const seen = (await h.app.get(SlaWatcherService).check(new Date(now))).filter((a) => a.platformOrderId.startsWith('I'));
      expect(seen).toEqual([
        expect.objectContaining({ orderId: orderRowId(SHOP_B, 'I1'), platformOrderId: 'I1', level: 'warning', cause: 'platform_quota', merchantId: MERCHANT_B, shopId: SHOP_B, source: 'waiting' }),
      ]);
      h.adapters.douyin.put(paidOrder(SHOP_B, 'I1', now - 22_500));
    } finally {
      ingest.resume();
    }
    // fetched, stored under that id, delivered by the push worker and acked 22-30 s after payment: the warning stands
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.orders WHERE platform_order_id = 'I1' AND erp_acked_at IS NOT NULL`)).length === 1, 10_000, 'I1 acked');
    const [row] = await h.db.dataSource.query(`SELECT id FROM order_sync.orders WHERE platform_order_id = 'I1'`);
    expect(row.id).toBe(orderRowId(SHOP_B, 'I1'));
    expect((await events('I1')).map((e) => [e.level, e.cause, e.disproved, e.merchant_id])).toEqual([['warning', 'platform_quota', false, MERCHANT_B]]);
    const [started] = await h.db.dataSource.query(`SELECT sla_started_at FROM order_sync.sla_events WHERE platform_order_id = 'I1'`);
    expect((started.sla_started_at as Date).toISOString()).toBe(iso(now - 22_500));
  });

  it('keeps the clock start of an order once paid when a later version carries no pay time', async () => {
    const now = Date.now();
    await store(paidOrder(SHOP_ID, 'A5', now - 10_000));
    await store(buildOrder({ shopId: SHOP_ID, id: 'A5', status: 'refunded', updatedAt: iso(now - 1000), paidAt: null, createdAt: iso(now - 15_000) }));
    const [o] = await h.db.dataSource.query(`SELECT status, sla_started_at FROM order_sync.orders WHERE platform_order_id = 'A5'`);
    expect(o).toEqual({ status: 'refunded', sla_started_at: new Date(iso(now - 10_000)) });
  });

  it('judges acks through the pull API as well (found by the poller: push_lost)', async () => {
    const now = Date.now();
    await store(paidOrder(SHOP_ID, 'A4', now - 31_000));
    const [o] = await h.db.dataSource.query(`SELECT id FROM order_sync.orders WHERE platform_order_id = 'A4'`);
    const res = await request(h.app.getHttpServer()).post('/erp/orders/ack').set('x-omnisync-merchant-id', MERCHANT_A).send({ orderIds: [o.id] }).expect(200);
    expect(res.body).toEqual({ acked: 1 });
    expect((await events('A4')).map((e) => [e.level, e.cause, e.source])).toEqual([
      ['breach', 'push_lost', 'ack'],
      ['warning', 'push_lost', 'ack'],
    ]);
  });

  it('GET /ops/sla counts the ledger per merchant: each sees its own breaches only, inbox-only orders included', async () => {
    // a window of its own, two hours back, so the other tests' events are outside it
    const base = Date.now() - 2 * 3600_000;
    await pushed(SHOP_ID, 'RA1', base + 1000);
    await deliver(await store(paidOrder(SHOP_ID, 'RA1', base)));
    await pushed(SHOP_B, 'RB1', base + 2000);
    await deliver(await store(paidOrder(SHOP_B, 'RB1', base + 1000)));
    // B's order still only in the inbox, found late by the watcher
    await h.db.dataSource.query(
      `INSERT INTO order_sync.inbox (platform, message_id, shop_id, topic, kind, platform_order_id, raw, status, app_key, paid_at)
       VALUES ('douyin', 'rb2', $1, '101', 'order', 'RB2', '{}', 'pending', 'dy-app-b', $2)`,
      [SHOP_B, iso(base + 2000)],
    );
    await h.app.get(SlaWatcherService).check();
    const window = { from: iso(base - 1000), to: iso(base + 10_000) };
    const report = async (merchant: string) =>
      (await request(h.app.getHttpServer()).get('/ops/sla').set('x-omnisync-merchant-id', merchant).query(window).expect(200)).body as {
        platforms: { platform: string; breaches: number; warnings: number; breachCauses: Record<string, number> }[];
        late: { platformOrderId: string; level: string }[];
      };
    const a = await report(MERCHANT_A);
    expect(a.platforms).toEqual([expect.objectContaining({ platform: 'douyin', breaches: 1, warnings: 1, breachCauses: { backlog: 1 } })]);
    expect(a.late.map((l) => `${l.platformOrderId}/${l.level}`)).toEqual(['RA1/breach']);
    const b = await report(MERCHANT_B);
    expect(b.platforms).toEqual([expect.objectContaining({ platform: 'douyin', breaches: 2, warnings: 2, breachCauses: { backlog: 2 } })]);
    expect(b.late.map((l) => `${l.platformOrderId}/${l.level}`).sort()).toEqual(['RB1/breach', 'RB2/breach']);
    const other = await report('5b1e0000-0000-4000-8000-0000000000c1');
    expect(other).toMatchObject({ platforms: [], late: [] });
  });

  // last: the outage it notes stays in the process's memory (any later order's wait would overlap it)
  it('gives an order whose wait overlapped a Redis outage redis_unavailable, and records the outage once it is over', async () => {
    const outages = h.app.get(DependencyOutages);
    const now = Date.now();
    outages.note('redis', false, now - 30_000);
    outages.note('redis', true, now - 20_000);
    await pushed(SHOP_ID, 'A3', now - 31_000);
    await deliver(await store(paidOrder(SHOP_ID, 'A3', now - 32_000)));
    expect((await events('A3')).map((e) => [e.level, e.cause])).toEqual([
      ['breach', 'redis_unavailable'],
      ['warning', 'redis_unavailable'],
    ]);
    await outages.probe();
    const saved = await h.db.dataSource.query(`SELECT dependency, started_at, ended_at FROM order_sync.dependency_outages`);
    expect(saved).toEqual([{ dependency: 'redis', started_at: new Date(now - 30_000), ended_at: new Date(now - 20_000) }]);
  });
});
