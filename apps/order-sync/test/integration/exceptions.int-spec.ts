/**
 * order-sync's exception inbox on a real database and queues: derived from the rows' state, scoped to the
 * merchant, resolved by hand (hidden) or retried (the failed work runs again and the exception goes away by
 * itself once it succeeds), bad keys named.
 */
import request from 'supertest';
import type { OpsException } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import { buildOrder, douyinPush as push } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

const MERCHANT_A = '5b1e0000-0000-4000-8000-00000000e0a1';
const MERCHANT_B = '5b1e0000-0000-4000-8000-00000000e0b1';
const SHOP_B = '7a4e1f3c-0000-4000-8000-00000000e0b1';

describe('exception inbox (order-sync)', () => {
  let h: Harness;
  const ids: Record<'A' | 'B', string> = { A: '', B: '' };
  const as = (merchant: string) => ({ 'x-omnisync-merchant-id': merchant });
  const list = async (merchant: string) =>
    ((await request(h.app.getHttpServer()).get('/exceptions').set(as(merchant)).expect(200)).body as { exceptions: OpsException[] }).exceptions;

  beforeAll(async () => {
    h = await createHarness();
    h.shops.addShop({ shopId: SHOP_B, platform: 'douyin', platformShopId: 'dy-shop-b', appKey: 'dy-app-b', appSecret: 'dy-secret-b' });
    const q = (sql: string, p: unknown[] = []) => h.db.dataSource.query(sql, p);
    await q(`INSERT INTO core.merchants (id, name) VALUES ($1, 'a'), ($2, 'b')`, [MERCHANT_A, MERCHANT_B]);
    await q(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-shop-1', 'a', 'dy-app', '\\x00'), ($3, $4, 'douyin', 'dy-shop-b', 'b', 'dy-app-b', '\\x00')`,
      [SHOP_ID, MERCHANT_A, SHOP_B, MERCHANT_B],
    );
    const at = new Date(Date.now() - 30_000).toISOString();
    const writer = h.app.get(InboxWriter);
    for (const [who, shop, psid, orderId] of [['A', SHOP_ID, 'dy-shop-1', 'E-A1'], ['B', SHOP_B, 'dy-shop-b', 'E-B1']] as const) {
      h.adapters.douyin.put(buildOrder({ shopId: shop, id: orderId, status: 'paid', updatedAt: at, paidAt: at, createdAt: at }));
      await writer.write([{ message: push(`m-${orderId}`, orderId, at, psid), appKey: who === 'A' ? 'dy-app' : 'dy-app-b', shopId: shop }]);
      const row = await waitFor(
        async () => (await q(`SELECT id FROM order_sync.orders WHERE shop_id = $1 AND erp_acked_at IS NOT NULL`, [shop]))[0],
        15_000,
        `order ${orderId} delivered`,
      );
      ids[who] = row.id;
      const merchant = who === 'A' ? MERCHANT_A : MERCHANT_B;
      // what the failure paths leave behind: the ERP refused the delivery for good, the platform refused the
      // shipment, a push message the sweeper gave up on, a refused status change and a refused platform answer
      await q(`UPDATE order_sync.outbox SET status = 'failed', attempts = 3, last_error = 'rejected: unknown sku SKU-1' WHERE order_id = $1`, [row.id]);
      await q(
        `INSERT INTO order_sync.shipments (order_id, platform, platform_order_id, tracking_no, carrier_code, line_ids, erp_shipment_id, idempotency_key, status, attempts, last_error, merchant_id)
         VALUES ($1, 'douyin', $2, 'SF1', 'SF', '[]', $3, $3, 'failed', 5, 'platform: tracking number invalid', $4)`,
        [row.id, orderId, `S-${orderId}`, merchant],
      );
      await q(
        `INSERT INTO order_sync.inbox (platform, message_id, platform_shop_id, shop_id, topic, kind, platform_order_id, raw, status, attempts, last_error, app_key)
         VALUES ('douyin', $1, $2, $3, '101', 'order', $4, '{}', 'failed', 6, 'getOrder: not found', 'k')`,
        [`m-bad-${orderId}`, psid, shop, `${orderId}-x`],
      );
      await q(
        `INSERT INTO order_sync.order_transitions_rejected (order_id, platform, platform_order_id, from_status, to_status, platform_updated_at, platform_status)
         VALUES ($1, 'douyin', $2, 'paid', 'pending_payment', now(), '1')`,
        [row.id, orderId],
      );
      await q(`INSERT INTO order_sync.orders_refused (shop_id, platform, platform_order_id, reason) VALUES ($1, 'douyin', $2, 'foreign_shop')`, [shop, `${orderId}-y`]);
    }
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("lists each merchant's own exceptions, typed, with context and actions, newest first", async () => {
    const a = await list(MERCHANT_A);
    expect(a.map((e) => e.type).sort()).toEqual(['erp_rejected', 'illegal_transition', 'platform_answer_refused', 'push_unprocessable', 'shipment_failed']);
    const erp = a.find((e) => e.type === 'erp_rejected')!;
    expect(erp).toMatchObject({ severity: 'critical', actions: ['retry', 'resolve'], context: { orderId: ids.A, platformOrderId: 'E-A1', attempts: 3, lastError: 'rejected: unknown sku SKU-1' } });
    expect(erp.title.zh).toContain('ERP');
    expect(erp.title.en).toContain('E-A1');
    expect(a.find((e) => e.type === 'illegal_transition')!.actions).toEqual(['resolve']);
    const sinces = a.map((e) => e.since);
    expect([...sinces].sort().reverse()).toEqual(sinces);
    // nothing of B's
    expect(JSON.stringify(a)).not.toContain('E-B1');
    expect(JSON.stringify(await list(MERCHANT_B))).not.toContain('E-A1');
  });

  it("resolving hides the exception for its merchant only; another merchant's resolve is a 404 and changes nothing", async () => {
    const key = (await list(MERCHANT_A)).find((e) => e.type === 'illegal_transition')!.key;
    await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/resolve`).set(as(MERCHANT_B)).send({}).expect(404);
    expect((await list(MERCHANT_A)).map((e) => e.key)).toContain(key);
    const res = await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/resolve`).set(as(MERCHANT_A)).send({ note: 'late push, fine' }).expect(200);
    expect(res.body).toEqual({ key, resolved: true });
    expect((await list(MERCHANT_A)).map((e) => e.key)).not.toContain(key);
    expect((await list(MERCHANT_B)).some((e) => e.type === 'illegal_transition')).toBe(true);
  });

  it('retrying a rejected delivery sends it to the ERP again; once delivered the exception is gone by itself', async () => {
    const key = (await list(MERCHANT_A)).find((e) => e.type === 'erp_rejected')!.key;
    await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/retry`).set(as(MERCHANT_B)).expect(404);
    const before = h.erp.delivered.size;
    await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/retry`).set(as(MERCHANT_A)).expect(200, { key, retried: true });
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE order_id = $1 AND status = 'delivered'`, [ids.A])).length > 0, 15_000, 'redelivered');
    expect(h.erp.delivered.size + h.erp.duplicates.length).toBeGreaterThanOrEqual(before);
    expect((await list(MERCHANT_A)).some((e) => e.type === 'erp_rejected')).toBe(false);
    // B's stays failed
    expect((await h.db.dataSource.query(`SELECT status FROM order_sync.outbox WHERE order_id = $1`, [ids.B]))[0].status).toBe('failed');
  });

  it('retrying a failed shipment puts it back to pending for the sweeper; a retried key is closed', async () => {
    const key = (await list(MERCHANT_A)).find((e) => e.type === 'shipment_failed')!.key;
    await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/retry`).set(as(MERCHANT_A)).expect(200);
    const [s] = await h.db.dataSource.query(`SELECT status, attempts FROM order_sync.shipments WHERE order_id = $1`, [ids.A]);
    expect(s).toEqual({ status: 'pending', attempts: 0 });
    await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/retry`).set(as(MERCHANT_A)).expect(404);
  });

  it('names the key on bad input and changes nothing', async () => {
    const bad = await request(h.app.getHttpServer()).post('/exceptions/nonsense:1/resolve').set(as(MERCHANT_A)).send({}).expect(400);
    expect(JSON.stringify(bad.body)).toContain('key');
    const notOurs = await request(h.app.getHttpServer()).post('/exceptions/publish_failed:x/resolve').set(as(MERCHANT_A)).send({}).expect(400);
    expect(JSON.stringify(notOurs.body)).toContain('not an order-sync exception key');
    const key = (await list(MERCHANT_A)).find((e) => e.type === 'platform_answer_refused')!.key;
    await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/retry`).set(as(MERCHANT_A)).expect(400);
    const note = await request(h.app.getHttpServer()).post(`/exceptions/${encodeURIComponent(key)}/resolve`).set(as(MERCHANT_A)).send({ note: 42 }).expect(400);
    expect(JSON.stringify(note.body)).toContain('note');
    expect((await list(MERCHANT_A)).map((e) => e.key)).toContain(key);
    expect(await h.db.dataSource.query(`SELECT key FROM order_sync.exception_resolutions WHERE key = $1`, [key])).toEqual([]);
  });
});
