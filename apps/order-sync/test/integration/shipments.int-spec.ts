import request from 'supertest';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUE, UpstreamError, type OrderStatus, type Platform } from '@app/contracts';
import { ErpShipmentsController, OrderShipmentsController } from '../../src/shipments/erp-shipments.controller';
import { ShipmentSweeper } from '../../src/shipments/shipment-sweeper.service';
import { ShipmentsFeatureModule } from '../../src/shipments/shipments.module';
import type { ShipmentView } from '../../src/shipments/shipment.types';
import { buildOrder } from '../fakes';
import { MERCHANT_HEADER } from '../../src/shared/merchant-id.decorator';
import { createHarness, REDIS, SHOP_ID, waitFor, type Harness } from '../harness';

const TB_SHOP_ID = '7a4e1f3c-0000-4000-8000-000000000002';
const XHS_SHOP_ID = '7a4e1f3c-0000-4000-8000-000000000003';
const OTHER_SHOP_ID = '7a4e1f3c-0000-4000-8000-000000000009';

const MERCHANT = '5b1e0000-0000-4000-8000-00000000a001';
const OTHER_MERCHANT = '5b1e0000-0000-4000-8000-00000000a002';

/** the gateway's shop registry: shipments are scoped to the calling merchant's shops */
async function registerShops(ds: DataSource, shops: { shopId: string; platform: Platform; platformShopId: string; merchantId?: string }[]): Promise<void> {
  await ds.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'ship-m1'), ($2, 'ship-m2') ON CONFLICT DO NOTHING`, [MERCHANT, OTHER_MERCHANT]);
  for (const s of shops) {
    await ds.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, $3, $4, 'shop', 'k', '\\x00')`,
      [s.shopId, s.merchantId ?? MERCHANT, s.platform, s.platformShopId],
    );
  }
}

let seq = 0;
/** an order row as the ingest path would have written it */
async function insertOrder(
  ds: DataSource,
  p: { platform: Platform; shopId: string; pid: string; status?: OrderStatus; refundStatus?: string; lineIds?: string[] },
): Promise<string> {
  const status = p.status ?? 'paid';
  const items = (p.lineIds ?? [`${p.pid}-1`]).map((lineId) => ({
    lineId, platformProductId: 'p1', platformSkuId: 's1', erpSkuCode: 'SKU-1', title: 'tea', quantity: 1, unitPriceFen: 1990, paidFen: 1990, discountFen: 0,
  }));
  const rows: { id: string }[] = await ds.query(
    `INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
        pay_time, created_at_platform, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items, refund_status)
     VALUES ($1, $2, $3, $4, 'S', now(), 1, now(), now(), 1990, 1990, 0, 0, '\\x00'::bytea, $5::jsonb, $6) RETURNING id`,
    [p.platform, p.shopId, p.pid, status, JSON.stringify(items), p.refundStatus ?? 'none'],
  );
  return rows[0].id;
}

function nextPid(platform: Platform): string {
  seq += 1;
  const n = String(Date.now()).slice(-9) + String(seq).padStart(4, '0');
  if (platform === 'xiaohongshu') return `P${n}`;
  return `49${n}`.padEnd(19, '7'); // 19 digits, above 2^53
}

describe('shipments back to the platforms (POST /erp/shipments -> ship-order -> platform)', () => {
  let h: Harness;
  let http: ReturnType<typeof request>;
  const get = (path: string, merchant: string | null = MERCHANT) => (merchant ? http.get(path).set(MERCHANT_HEADER, merchant) : http.get(path));
  const postRaw = (path: string, merchant: string | null = MERCHANT) => (merchant ? http.post(path).set(MERCHANT_HEADER, merchant) : http.post(path));

  const shipment = async (id: string): Promise<ShipmentView> => {
    const res = await get(`/orders/${(await h.db.dataSource.query(`SELECT order_id FROM order_sync.shipments WHERE id = $1`, [id]))[0].order_id}/shipments`).expect(200);
    return (res.body.shipments as ShipmentView[]).find((s) => s.shipmentId === id)!;
  };
  const waitStatus = (id: string, status: string, timeoutMs = 10_000): Promise<ShipmentView> =>
    waitFor(async () => {
      const s = await shipment(id);
      return s.status === status ? s : null;
    }, timeoutMs, `shipment ${id} ${status}`);
  const post = (shipments: unknown[]) => postRaw('/erp/shipments').send({ shipments });

  beforeAll(async () => {
    h = await createHarness({ extraImports: [ShipmentsFeatureModule.register({ options: { backgroundLoops: false, sweepStaleAfterMs: 0 } })] });
    h.shops.addShop({ shopId: TB_SHOP_ID, platform: 'taobao', platformShopId: 'tb-shop-1', appKey: 'tb-app', appSecret: 'tb-secret' });
    h.shops.addShop({ shopId: XHS_SHOP_ID, platform: 'xiaohongshu', platformShopId: 'xhs-shop-1', appKey: 'xhs-app', appSecret: 'xhs-secret' });
    await registerShops(h.db.dataSource, [
      { shopId: SHOP_ID, platform: 'douyin', platformShopId: 'dy-shop-1' },
      { shopId: TB_SHOP_ID, platform: 'taobao', platformShopId: 'tb-shop-1' },
      { shopId: XHS_SHOP_ID, platform: 'xiaohongshu', platformShopId: 'xhs-shop-1' },
      { shopId: OTHER_SHOP_ID, platform: 'douyin', platformShopId: 'dy-shop-other', merchantId: OTHER_MERCHANT },
    ]);
    http = request(h.app.getHttpServer());
  });
  afterAll(async () => {
    await h.close();
    const q = new Queue(QUEUE.SHIPMENTS, { connection: REDIS, prefix: h.prefix });
    await q.obliterate({ force: true });
    await q.close();
  });

  it('carries the roles metadata erp/admin on the ERP routes', () => {
    expect(Reflect.getMetadata('roles', ErpShipmentsController)).toEqual(['erp', 'admin']);
    expect(Reflect.getMetadata('roles', OrderShipmentsController)).toEqual(['erp', 'ops', 'admin']);
  });

  it.each([
    ['douyin', SHOP_ID, 'shunfeng'],
    ['taobao', TB_SHOP_ID, 'SF'],
    ['xiaohongshu', XHS_SHOP_ID, 'zhongtong'],
  ] as const)('ships a %s order by platform order id; the adapter gets the exact id and the ERP hears "shipped"', async (platform, shopId, carrier) => {
    const pid = nextPid(platform);
    const orderId = await insertOrder(h.db.dataSource, { platform, shopId, pid });
    const res = await post([{ platform, platformOrderId: pid, trackingNo: `SF${pid.slice(-8)}`, carrierCode: carrier }]).expect(202);
    expect(res.body.results).toEqual([
      { index: 0, shipmentId: expect.any(String), erpShipmentId: null, orderId, status: 'pending', duplicate: false },
    ]);
    const done = await waitStatus(res.body.results[0].shipmentId, 'shipped');
    expect(done).toMatchObject({ platform, platformOrderId: pid, trackingNo: `SF${pid.slice(-8)}`, carrierCode: carrier, lineIds: [], attempts: 1, lastError: null });
    expect(done.shippedAt).not.toBeNull();
    expect(h.adapters[platform].shipCalls).toContainEqual({ platformOrderId: pid, trackingNo: `SF${pid.slice(-8)}`, carrierCode: carrier, lineIds: [] });
    await waitFor(async () => h.erp.shipmentNotices.find((n) => n.orderId === orderId), 5000, 'ERP notice');
    expect(h.erp.shipmentNotices.filter((n) => n.orderId === orderId)).toEqual([
      { orderId, platformOrderId: pid, outcome: 'shipped', message: `shipped with ${carrier} SF${pid.slice(-8)}` },
    ]);
    // the order row is left to the platform's next message
    const [o] = await h.db.dataSource.query(`SELECT status FROM order_sync.orders WHERE id = $1`, [orderId]);
    expect(o.status).toBe('paid');
  });

  it('passes split lines through by our order id, and shows each package per order (both GET routes)', async () => {
    const pid = nextPid('douyin');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid, lineIds: ['L1', 'L2', 'L3'] });
    const res = await post([
      { shipmentId: 'erp-pack-1', orderId, trackingNo: 'YT0001', carrierCode: 'yuantong', lineIds: ['L1', 'L3'] },
      { shipmentId: 'erp-pack-2', orderId, platform: 'douyin', trackingNo: 'YT0002', carrierCode: 'yuantong', lineIds: ['L2'] },
    ]).expect(202);
    const [a, b] = res.body.results;
    await waitStatus(a.shipmentId, 'shipped');
    await waitStatus(b.shipmentId, 'shipped');
    const calls = h.adapters.douyin.shipCalls.filter((c) => c.platformOrderId === pid);
    expect(calls).toHaveLength(2);
    expect(calls).toEqual(expect.arrayContaining([
      { platformOrderId: pid, trackingNo: 'YT0001', carrierCode: 'yuantong', lineIds: ['L1', 'L3'] },
      { platformOrderId: pid, trackingNo: 'YT0002', carrierCode: 'yuantong', lineIds: ['L2'] },
    ]));
    const viaErp = await get('/erp/shipments').query({ orderId }).expect(200);
    const viaOrder = await get(`/orders/${orderId}/shipments`).expect(200);
    expect(viaErp.body).toEqual(viaOrder.body);
    expect(viaErp.body.shipments.map((s: ShipmentView) => [s.erpShipmentId, s.status, s.lineIds])).toEqual([
      ['erp-pack-1', 'shipped', ['L1', 'L3']],
      ['erp-pack-2', 'shipped', ['L2']],
    ]);
  });

  it('blocks the write-back when the refund arrived first: no platform call, the ERP is told', async () => {
    const before = h.adapters.douyin.shipAttempts;
    const refunding = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid: nextPid('douyin'), status: 'refunding', refundStatus: 'requested' });
    const requested = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid: nextPid('douyin'), status: 'paid', refundStatus: 'requested' });
    const res = await post([
      { orderId: refunding, trackingNo: 'SF0001', carrierCode: 'shunfeng' },
      { orderId: requested, trackingNo: 'SF0002', carrierCode: 'shunfeng' },
    ]).expect(202);
    for (const r of res.body.results) {
      const s = await waitStatus(r.shipmentId, 'blocked_by_refund');
      expect(s.lastError).toMatch(/refund/);
      expect(s.shippedAt).toBeNull();
    }
    await waitFor(async () => h.erp.shipmentNotices.filter((n) => n.orderId === refunding || n.orderId === requested).length === 2, 5000, 'ERP notices');
    expect(h.erp.shipmentNotices.filter((n) => n.orderId === refunding || n.orderId === requested).map((n) => n.outcome)).toEqual(['blocked_by_refund', 'blocked_by_refund']);
    expect(h.adapters.douyin.shipAttempts).toBe(before);
  });

  it('turns a platform refusal caused by a refund that reached the platform first into blocked_by_refund', async () => {
    const pid = nextPid('douyin');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid, status: 'paid' });
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: pid, status: 'refunded', updatedAt: new Date().toISOString() }));
    const res = await post([{ orderId, trackingNo: 'SF0003', carrierCode: 'shunfeng' }]).expect(202);
    const s = await waitStatus(res.body.results[0].shipmentId, 'blocked_by_refund');
    expect(s.lastError).toContain('cannot ship');
    expect(h.adapters.douyin.shipCalls.some((c) => c.platformOrderId === pid)).toBe(false);
    await waitFor(async () => h.erp.shipmentNotices.find((n) => n.orderId === orderId && n.outcome === 'blocked_by_refund'), 5000, 'ERP notice');
  });

  it('marks a shipment failed with the platform message when the platform refuses it for another reason', async () => {
    const pid = nextPid('taobao');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'taobao', shopId: TB_SHOP_ID, pid });
    h.adapters.taobao.shipFailures.push(new UpstreamError('taobao', 'invalid_request', 'isv.logistics-company-invalid', { code: '15' }));
    const res = await post([{ orderId, trackingNo: 'XX0001', carrierCode: 'nope' }]).expect(202);
    const s = await waitStatus(res.body.results[0].shipmentId, 'failed');
    expect(s.lastError).toBe('taobao: invalid_request: isv.logistics-company-invalid');
    const job = await h.queue(QUEUE.SHIPMENTS).getJob(`ship-${s.shipmentId}`);
    await waitFor(async () => (await job!.getState()) === 'failed', 5000, 'job failed');
    expect((await h.queue(QUEUE.SHIPMENTS).getJob(`ship-${s.shipmentId}`))!.attemptsMade).toBe(1); // UnrecoverableError: no retries
    await waitFor(async () => h.erp.shipmentNotices.find((n) => n.orderId === orderId), 5000, 'ERP notice');
    expect(h.erp.shipmentNotices.find((n) => n.orderId === orderId)).toMatchObject({ outcome: 'failed', message: 'taobao: invalid_request: isv.logistics-company-invalid' });
  });

  it('waits out platform throttling without burning BullMQ attempts, then ships', async () => {
    const pid = nextPid('xiaohongshu');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'xiaohongshu', shopId: XHS_SHOP_ID, pid });
    h.adapters.xiaohongshu.shipFailures.push(
      new UpstreamError('xiaohongshu', 'rate_limited', 'too many requests', { retryAfterMs: 700 }),
      new UpstreamError('xiaohongshu', 'circuit_open', 'breaker open', { retryAfterMs: 300 }),
    );
    const res = await post([{ orderId, trackingNo: 'ZT0001', carrierCode: 'zhongtong' }]).expect(202);
    const id: string = res.body.results[0].shipmentId;
    const queue = h.queue(QUEUE.SHIPMENTS);
    await waitFor(async () => (await queue.getJobState(`ship-${id}`)) === 'delayed', 5000, 'job delayed');
    const pending = await shipment(id);
    expect(pending.status).toBe('pending');
    expect(pending.lastError).toMatch(/^rate_limited: /);
    const s = await waitStatus(id, 'shipped');
    expect(s.attempts).toBe(3);
    // the row is final a moment before BullMQ records the job as completed
    await waitFor(async () => (await queue.getJobState(`ship-${id}`)) === 'completed', 5000, 'job completed');
    const job = await queue.getJob(`ship-${id}`);
    expect(job!.attemptsStarted).toBe(3);
    expect(job!.attemptsMade).toBeLessThanOrEqual(1); // delays did not count as failed attempts
    expect(h.adapters.xiaohongshu.shipCalls.filter((c) => c.platformOrderId === pid)).toHaveLength(1);
    expect(h.erp.shipmentNotices.filter((n) => n.orderId === orderId).map((n) => n.outcome)).toEqual(['shipped']);
  });

  it('treats a resent shipment as a no-op: same ERP shipmentId, same order + tracking, or twice in one call', async () => {
    const pid = nextPid('douyin');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid });
    const first = await post([
      { shipmentId: 'erp-s-77', platform: 'douyin', platformOrderId: pid, trackingNo: 'JD0001', carrierCode: 'jd' },
      { platform: 'douyin', platformOrderId: pid, trackingNo: 'JD0002', carrierCode: 'jd' },
      { platform: 'douyin', platformOrderId: pid, trackingNo: 'JD0002', carrierCode: 'jd' },
    ]).expect(202);
    const [a, b, c] = first.body.results;
    expect([a.duplicate, b.duplicate, c.duplicate]).toEqual([false, false, true]);
    expect(c.shipmentId).toBe(b.shipmentId);
    await waitStatus(a.shipmentId, 'shipped');
    await waitStatus(b.shipmentId, 'shipped');
    const again = await post([
      { shipmentId: 'erp-s-77', orderId, trackingNo: 'JD0001', carrierCode: 'jd' },
      { orderId, trackingNo: 'JD0002', carrierCode: 'jd' },
    ]).expect(202);
    expect(again.body.results).toEqual([
      expect.objectContaining({ shipmentId: a.shipmentId, status: 'shipped', duplicate: true, erpShipmentId: 'erp-s-77' }),
      expect.objectContaining({ shipmentId: b.shipmentId, status: 'shipped', duplicate: true }),
    ]);
    const rows = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.shipments WHERE order_id = $1`, [orderId]);
    expect(rows[0].n).toBe(2);
    expect(h.adapters.douyin.shipCalls.filter((x) => x.platformOrderId === pid)).toHaveLength(2);
  });

  it('answers an unknown order with not_found for that item only', async () => {
    const pid = nextPid('douyin');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid });
    const res = await post([
      { platform: 'douyin', platformOrderId: '4999999999999999999', trackingNo: 'SF1', carrierCode: 'shunfeng' },
      { orderId: '00000000-0000-4000-8000-00000000dead', trackingNo: 'SF2', carrierCode: 'shunfeng' },
      { orderId, platform: 'taobao', trackingNo: 'SF3', carrierCode: 'shunfeng' },
      { orderId, trackingNo: 'SF4', carrierCode: 'shunfeng' },
    ]).expect(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['not_found', 'not_found', 'not_found', 'pending']);
    expect(res.body.results[0]).toEqual({ index: 0, shipmentId: null, erpShipmentId: null, orderId: null, status: 'not_found', duplicate: false });
    await waitStatus(res.body.results[3].shipmentId, 'shipped');
  });

  it.each([
    [{ shipments: [{ platform: 'douyin', platformOrderId: '1', carrierCode: 'sf' }] }, 'shipments.0.trackingNo'],
    [{ shipments: [{ platform: 'douyin', platformOrderId: '1', trackingNo: 'SF 1', carrierCode: 'sf' }] }, 'shipments.0.trackingNo must contain only'],
    [{ shipments: [{ platform: 'douyin', platformOrderId: 4900000000000000123, trackingNo: 'SF1', carrierCode: 'sf' }] }, 'shipments.0.platformOrderId must be a string'],
    [{ shipments: [{ platform: 'jd', platformOrderId: '1', trackingNo: 'SF1', carrierCode: 'sf' }] }, 'shipments.0.platform must be one of'],
    [{ shipments: [{ trackingNo: 'SF1', carrierCode: 'sf' }] }, 'shipments.0.orderId must be a UUID'],
    [{ shipments: [{ orderId: 'x', trackingNo: 'SF1', carrierCode: 'sf', lineIds: 'L1' }] }, 'shipments.0.lineIds must be an array'],
    [{ shipments: [{ orderId: '00000000-0000-4000-8000-000000000001', trackingNo: 'SF1', carrierCode: 'sf', extra: 1 }] }, 'shipments.0.property extra should not exist'],
    [{ shipments: [] }, 'shipments must contain at least 1 elements'],
    [{ shipments: Array.from({ length: 501 }, () => ({ orderId: '00000000-0000-4000-8000-000000000001', trackingNo: 'SF1', carrierCode: 'sf' })) }, 'shipments must contain no more than 500 elements'],
    [{}, 'shipments must be an array'],
  ])('rejects a bad body with a 400 naming the field (%#)', async (body, message) => {
    const res = await postRaw('/erp/shipments').send(body).expect(400);
    expect((res.body.message as string[]).join('\n')).toContain(message);
  });

  it("never lets a merchant ship or see another merchant's order, and refuses a call without a merchant", async () => {
    const before = h.adapters.douyin.shipAttempts;
    const pid = nextPid('douyin');
    const theirs = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: OTHER_SHOP_ID, pid });
    const res = await post([
      { orderId: theirs, trackingNo: 'SF9', carrierCode: 'shunfeng' },
      { platform: 'douyin', platformOrderId: pid, trackingNo: 'SF9', carrierCode: 'shunfeng' },
    ]).expect(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['not_found', 'not_found']);
    await get(`/orders/${theirs}/shipments`).expect(404);
    await get(`/orders/${theirs}/shipments`, OTHER_MERCHANT).expect(200, { orderId: theirs, shipments: [] });
    await postRaw('/erp/shipments', null).send({ shipments: [{ orderId: theirs, trackingNo: 'SF9', carrierCode: 'shunfeng' }] }).expect(400);
    await get('/erp/shipments', null).query({ orderId: theirs }).expect(400);
    expect(await h.db.dataSource.query(`SELECT 1 FROM order_sync.shipments WHERE order_id = $1`, [theirs])).toEqual([]);
    expect(h.adapters.douyin.shipAttempts).toBe(before);
  });

  it("a shipment id another merchant registered first neither pre-empts this merchant's shipment nor changes theirs", async () => {
    const theirPid = nextPid('douyin');
    const theirOrder = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: OTHER_SHOP_ID, pid: theirPid });
    const shipmentId = `erp-shared-${theirPid.slice(-6)}`;
    const first = await postRaw('/erp/shipments', OTHER_MERCHANT)
      .send({ shipments: [{ shipmentId, orderId: theirOrder, trackingNo: 'OTHER01', carrierCode: 'shunfeng' }] })
      .expect(202);
    expect(first.body.results[0]).toMatchObject({ orderId: theirOrder, status: 'pending', duplicate: false });

    const pid = nextPid('douyin');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid });
    const res = await post([{ shipmentId, orderId, trackingNo: 'MINE0001', carrierCode: 'shunfeng' }]).expect(202);
    expect(res.body.results).toEqual([
      { index: 0, shipmentId: expect.any(String), erpShipmentId: shipmentId, orderId, status: 'pending', duplicate: false },
    ]);
    expect(res.body.results[0].shipmentId).not.toBe(first.body.results[0].shipmentId);
    await waitStatus(res.body.results[0].shipmentId, 'shipped');
    expect(h.adapters.douyin.shipCalls).toContainEqual({ platformOrderId: pid, trackingNo: 'MINE0001', carrierCode: 'shunfeng', lineIds: [] });
    // theirs is still theirs, as they sent it
    const [theirs] = await h.db.dataSource.query(`SELECT order_id, tracking_no, merchant_id FROM order_sync.shipments WHERE id = $1`, [first.body.results[0].shipmentId]);
    expect(theirs).toEqual({ order_id: theirOrder, tracking_no: 'OTHER01', merchant_id: OTHER_MERCHANT });
    // a resend by this merchant is a duplicate of its own shipment only
    const again = await post([{ shipmentId, orderId, trackingNo: 'MINE0001', carrierCode: 'shunfeng' }]).expect(202);
    expect(again.body.results[0]).toMatchObject({ shipmentId: res.body.results[0].shipmentId, duplicate: true });
  });

  it('rejects bad GET selectors: 400 for a malformed order id, 404 for an unknown order', async () => {
    await get('/erp/shipments').expect(400);
    await get('/erp/shipments').query({ orderId: 'nope' }).expect(400);
    await get('/orders/nope/shipments').expect(400);
    await get('/orders/00000000-0000-4000-8000-00000000beef/shipments').expect(404);
  });

  it('re-enqueues a pending shipment whose job was lost (ShipmentSweeper)', async () => {
    const pid = nextPid('douyin');
    const orderId = await insertOrder(h.db.dataSource, { platform: 'douyin', shopId: SHOP_ID, pid });
    // a row committed without its job (enqueue failed / Redis wiped)
    const [row] = await h.db.dataSource.query(
      `INSERT INTO order_sync.shipments (merchant_id, order_id, platform, platform_order_id, tracking_no, carrier_code, idempotency_key, created_at, next_attempt_at)
       VALUES ($3, $1, 'douyin', $2, 'EMS01', 'ems', 'erp-lost-1', now() - interval '1 minute', now() - interval '1 minute') RETURNING id`,
      [orderId, pid, MERCHANT],
    );
    const sweeper = h.app.get(ShipmentSweeper);
    expect(await sweeper.tickIfLeader()).toEqual({ reenqueued: 1 });
    await waitStatus(row.id, 'shipped');
    expect(await sweeper.sweep()).toEqual({ reenqueued: 0 });
    expect(h.adapters.douyin.shipCalls.filter((c) => c.platformOrderId === pid)).toHaveLength(1);
  });
});
