/**
 * GET /orders/:id/trace and /orders/trace on a real database and queues: a pushed order's whole path (push,
 * processing, storage, ERP delivery and ack, a rejected transition, a shipment) in time order, scoped to the
 * caller's merchant, with bad input named.
 */
import request from 'supertest';
import { InboxWriter } from '@app/intake';
import { orderRowId } from '../../src/orders/buyer-vault';
import { buildOrder, douyinPush as push } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

const MERCHANT_A = '5b1e0000-0000-4000-8000-00000000c0a1';
const MERCHANT_B = '5b1e0000-0000-4000-8000-00000000c0b1';
const SHOP_B = '7a4e1f3c-0000-4000-8000-00000000c0b1';

describe('order trace', () => {
  let h: Harness;
  let orderId: string;
  const paidAt = new Date(Date.now() - 60_000).toISOString();
  const as = (merchant: string) => ({ 'x-omnisync-merchant-id': merchant });

  beforeAll(async () => {
    h = await createHarness();
    h.shops.addShop({ shopId: SHOP_B, platform: 'douyin', platformShopId: 'dy-shop-b', appKey: 'dy-app-b', appSecret: 'dy-secret-b' });
    await h.db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'a'), ($2, 'b')`, [MERCHANT_A, MERCHANT_B]);
    await h.db.dataSource.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-shop-1', 'a', 'dy-app', '\\x00'), ($3, $4, 'douyin', 'dy-shop-b', 'b', 'dy-app-b', '\\x00')`,
      [SHOP_ID, MERCHANT_A, SHOP_B, MERCHANT_B],
    );
    // the same platform order id in both merchants' shops: each merchant's trace shows its own only
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'T1', status: 'paid', updatedAt: paidAt, paidAt, createdAt: paidAt }));
    const writer = h.app.get(InboxWriter);
    await writer.write([{ message: push('m-t1', 'T1', paidAt), appKey: 'dy-app', shopId: SHOP_ID }]);
    const row = await waitFor(
      async () => (await h.db.dataSource.query(`SELECT id FROM order_sync.orders WHERE shop_id = $1 AND platform_order_id = 'T1' AND erp_acked_at IS NOT NULL`, [SHOP_ID]))[0],
      15_000,
      'order T1 acknowledged by the ERP',
    );
    orderId = row.id;
    // a late, out-of-order status the order refused, and a shipment from the ERP
    await h.db.dataSource.query(
      `INSERT INTO order_sync.order_transitions_rejected (order_id, platform, platform_order_id, from_status, to_status, platform_updated_at, platform_status)
       VALUES ($1, 'douyin', 'T1', 'paid', 'pending_payment', now(), '1')`,
      [orderId],
    );
    await h.db.dataSource.query(
      `INSERT INTO order_sync.shipments (order_id, platform, platform_order_id, tracking_no, carrier_code, line_ids, erp_shipment_id, idempotency_key, status, merchant_id)
       VALUES ($1, 'douyin', 'T1', 'SF100', 'SF', '[]', 'S-1', 'k-s1', 'pending', $2)`,
      [orderId, MERCHANT_A],
    );
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('shows the pushed order from pay time to ERP ack and shipment, in time order', async () => {
    const res = await request(h.app.getHttpServer()).get(`/orders/${orderId}/trace`).set(as(MERCHANT_A)).expect(200);
    const t = res.body as { order: { platformOrderId: string; status: string; erpOrderId: string }; arrivedBy: string; payToErpAckMs: number; timeline: { at: string; event: string; detail: Record<string, unknown> }[] };
    expect(t.order).toMatchObject({ platformOrderId: 'T1', status: 'paid', erpOrderId: 'ERP-T1' });
    expect(t.arrivedBy).toBe('push');
    expect(t.payToErpAckMs).toBeGreaterThanOrEqual(60_000);
    const events = t.timeline.map((e) => e.event);
    for (const e of ['paid', 'push_received', 'push_processed', 'stored', 'erp_delivery_queued', 'erp_delivered', 'erp_acked', 'transition_rejected', 'shipment_received']) {
      expect(events).toContain(e);
    }
    // time order, and the path's causal order where it is visible
    const ats = t.timeline.map((e) => Date.parse(e.at));
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    expect(events.indexOf('push_received')).toBeLessThan(events.indexOf('erp_delivered'));
    expect(events.indexOf('erp_delivery_queued')).toBeLessThan(events.indexOf('erp_delivered'));
    expect(t.timeline.find((e) => e.event === 'push_received')!.detail).toMatchObject({ messageId: 'm-t1', status: 'processed' });
    expect(t.timeline.find((e) => e.event === 'erp_delivered')!.detail).toMatchObject({ kind: 'push', version: 1 });
    expect(t.timeline.find((e) => e.event === 'shipment_received')!.detail).toMatchObject({ trackingNo: 'SF100', erpShipmentId: 'S-1' });
    // no buyer data in a trace (the fake order's masked buyer fields)
    for (const buyerValue of ['b***', 'R**', '138****0000', 'Hangzhou']) expect(JSON.stringify(res.body)).not.toContain(buyerValue);
    expect(Object.keys(t.order)).not.toContain('buyer');
  });

  it('shows each ERP attempt that did not go through, with the answer: postponed while the ERP was down, then delivered; refused for good', async () => {
    const at = new Date(Date.now() - 30_000).toISOString();
    const writer = h.app.get(InboxWriter);
    h.erp.down = true;
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'T2', status: 'paid', updatedAt: at, paidAt: at, createdAt: at }));
    await writer.write([{ message: push('m-t2', 'T2', at), appKey: 'dy-app', shopId: SHOP_ID }]);
    const t2 = await waitFor(async () => (await h.db.dataSource.query(`SELECT o.id FROM order_sync.orders o JOIN order_sync.erp_attempts a ON a.outbox_id IN (SELECT id FROM order_sync.outbox WHERE order_id = o.id) WHERE o.platform_order_id = 'T2'`))[0], 15_000, 'a postponed attempt of T2');
    h.erp.down = false;
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.orders WHERE id = $1 AND erp_acked_at IS NOT NULL`, [t2.id])).length > 0, 20_000, 'T2 acknowledged');
    const trace2 = (await request(h.app.getHttpServer()).get(`/orders/${t2.id}/trace`).set(as(MERCHANT_A)).expect(200)).body as { timeline: { event: string; detail: Record<string, unknown> }[] };
    const events2 = trace2.timeline.map((e) => e.event);
    const failedAttempts = trace2.timeline.filter((e) => e.event === 'erp_attempt_failed');
    expect(failedAttempts.length).toBeGreaterThanOrEqual(1);
    expect(failedAttempts[0].detail).toMatchObject({ kind: 'push', version: 1, outcome: 'retry', error: expect.stringMatching(/breaker open/) });
    expect(events2.indexOf('erp_attempt_failed')).toBeLessThan(events2.indexOf('erp_delivered'));

    h.erp.rejectKeys.add(`${orderRowId(SHOP_ID, 'T3')}-v1`);
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'T3', status: 'paid', updatedAt: at, paidAt: at, createdAt: at }));
    await writer.write([{ message: push('m-t3', 'T3', at), appKey: 'dy-app', shopId: SHOP_ID }]);
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE order_id = $1 AND status = 'failed'`, [orderRowId(SHOP_ID, 'T3')])).length > 0, 15_000, 'T3 refused');
    const trace3 = (await request(h.app.getHttpServer()).get(`/orders/${orderRowId(SHOP_ID, 'T3')}/trace`).set(as(MERCHANT_A)).expect(200)).body as { timeline: { event: string; detail: Record<string, unknown> }[] };
    expect(trace3.timeline.filter((e) => e.event === 'erp_attempt_failed').map((e) => [e.detail.outcome, e.detail.error])).toEqual([['failed', expect.stringMatching(/order rejected by the ERP/)]]);
    expect(trace3.timeline.map((e) => e.event)).not.toContain('erp_delivered');
    // another merchant sees neither
    await request(h.app.getHttpServer()).get(`/orders/${t2.id}/trace`).set(as(MERCHANT_B)).expect(404);
  });

  it('finds the order by its platform order id', async () => {
    const res = await request(h.app.getHttpServer()).get('/orders/trace').query({ platform: 'douyin', platformOrderId: 'T1' }).set(as(MERCHANT_A)).expect(200);
    expect((res.body as { traces: { order: { id: string } }[] }).traces.map((x) => x.order.id)).toEqual([orderId]);
  });

  it("answers 404 to another merchant, by id and by platform order id, as for an unknown order", async () => {
    const byId = await request(h.app.getHttpServer()).get(`/orders/${orderId}/trace`).set(as(MERCHANT_B)).expect(404);
    expect(JSON.stringify(byId.body)).not.toContain('ERP-T1');
    await request(h.app.getHttpServer()).get('/orders/trace').query({ platform: 'douyin', platformOrderId: 'T1' }).set(as(MERCHANT_B)).expect(404);
    await request(h.app.getHttpServer()).get('/orders/00000000-0000-4000-8000-000000000000/trace').set(as(MERCHANT_A)).expect(404);
  });

  it('names the field on bad input', async () => {
    const bad = async (path: string, query: Record<string, string>, field: string) => {
      const res = await request(h.app.getHttpServer()).get(path).query(query).set(as(MERCHANT_A)).expect(400);
      expect(JSON.stringify(res.body)).toContain(field);
    };
    await bad('/orders/not-a-uuid/trace', {}, 'id must be an order UUID');
    await bad('/orders/trace', { platform: 'ebay', platformOrderId: 'T1' }, 'platform must be one of');
    await bad('/orders/trace', { platform: 'douyin' }, 'platformOrderId');
  });
});
