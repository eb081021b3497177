import { createHash } from 'node:crypto';
import { douyinPushSign } from '@app/platforms/signing';
import { verifyXhsPush } from '@app/platforms/xiaohongshu/xiaohongshu.push';
import { startSimulator, type DouyinSimulator, type XiaohongshuSimulator } from '@app/sandbox';
import { startPushReceiver, waitFor } from './helpers';

describe('push delivery', () => {
  let receiver: Awaited<ReturnType<typeof startPushReceiver>>;
  let douyin: DouyinSimulator | undefined;
  let xhs: XiaohongshuSimulator | undefined;
  afterEach(async () => {
    await douyin?.close();
    await xhs?.close();
    await receiver?.close();
    douyin = xhs = undefined;
  });

  it('douyin: a paid order is pushed as a signed JSON array (app-id, event-sign)', async () => {
    receiver = await startPushReceiver(() => ({ status: 200, body: { code: 0, msg: 'success' } }));
    douyin = await startSimulator('douyin', { pushUrl: receiver.url });
    const order = douyin.generator.makeOne()!;
    await waitFor(() => receiver.received.length >= 1, 5000, 'push');
    const push = receiver.received[0];
    const shop = douyin.shop();
    expect(push.headers['app-id']).toBe(shop.appKey);
    expect(push.headers['event-sign']).toBe(douyinPushSign(shop.appKey, push.raw, shop.appSecret));
    expect(push.raw).toContain(`\\"p_id\\":${order.orderId}`);
    const [msg] = JSON.parse(push.raw) as { tag: string; msg_id: string; data: string }[];
    expect(msg.tag).toBe('101');
    expect(msg.msg_id).toMatch(/^\d{19}$/);
    expect(JSON.parse(msg.data)).toMatchObject({ order_status: 2, pay_time: Math.floor(order.paidAt! / 1000) });
    await waitFor(() => douyin!.stats().push!.acked === 1, 5000, 'ack');
  });

  it('douyin: failed deliveries are retried with backoff until acknowledged', async () => {
    receiver = await startPushReceiver((n) => (n <= 2 ? { status: 200, body: { code: 1, msg: 'fail' } } : { status: 200, body: { code: 0, msg: 'success' } }));
    douyin = await startSimulator('douyin', { pushUrl: receiver.url, pushRetryBaseMs: 20 });
    douyin.generator.makeOne();
    await waitFor(() => douyin!.stats().push!.acked === 1, 5000, 'ack after retries');
    expect(receiver.received.length).toBe(3);
    expect(new Set(receiver.received.map((r) => r.raw)).size).toBe(1); // same message again
    expect(douyin.stats().push).toMatchObject({ retries: 2, postsFailed: 2, sent: 1 });
  });

  it('douyin: network errors are retried too', async () => {
    receiver = await startPushReceiver(() => ({ status: 200, body: { code: 0 } }));
    const url = receiver.url;
    await receiver.close();
    douyin = await startSimulator('douyin', { pushUrl: url, pushRetryBaseMs: 20 });
    douyin.generator.makeOne();
    await waitFor(() => douyin!.stats().push!.postsFailed >= 2, 5000, 'failed posts');
    expect(douyin.stats().push!.acked).toBe(0);
  });

  it('douyin: many pending messages are batched into one POST', async () => {
    receiver = await startPushReceiver(() => ({ status: 200, body: { code: 0, msg: 'success' } }));
    douyin = await startSimulator('douyin', { pushUrl: receiver.url, pushBatchSize: 10, pushConcurrency: 1 });
    await douyin.burst({ count: 50 });
    await waitFor(() => douyin!.stats().push!.acked === 50, 5000, '50 acks');
    const sizes = receiver.received.map((r) => (JSON.parse(r.raw) as unknown[]).length);
    expect(Math.max(...sizes)).toBe(10);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(50);
  });

  it('pushDropRate 1 drops every push', async () => {
    receiver = await startPushReceiver(() => ({ status: 200, body: { code: 0 } }));
    douyin = await startSimulator('douyin', { pushUrl: receiver.url });
    douyin.setFaults({ pushDropRate: 1 });
    await douyin.burst({ count: 5 });
    expect(douyin.stats().push).toMatchObject({ dropped: 5, sent: 0 });
  });

  it('xiaohongshu: status-change pushes carry app-key, timestamp and sign = MD5(path ? sorted app-key, query, timestamp + secret)', async () => {
    receiver = await startPushReceiver(() => ({ status: 200, body: { success: true, error_code: 0, error_msg: '' } }));
    xhs = await startSimulator('xiaohongshu', { pushUrl: `${receiver.url}?src=sim` });
    const order = xhs.generator.makeOne()!;
    await waitFor(() => receiver.received.length >= 1, 5000, 'push');
    const push = receiver.received[0];
    const shop = xhs.shop();
    expect(push.headers['app-key']).toBe(shop.appKey);
    expect(push.url).toBe('/push?src=sim');
    const ts = String(push.headers.timestamp);
    // written out by hand (the body is not signed)
    expect(push.headers.sign).toBe(createHash('md5').update(`/push?app-key=${shop.appKey}&src=sim&timestamp=${ts}${shop.appSecret}`, 'utf8').digest('hex'));
    // and the adapter's verifier accepts it
    const verified = await verifyXhsPush({ headers: push.headers, rawBody: Buffer.from(push.raw), path: '/push', query: { src: 'sim' } }, async () => shop.appSecret);
    expect(verified).toMatchObject({ ok: true, messages: [{ platformOrderId: order.orderId }] });
    const [msg] = JSON.parse(push.raw) as { msgTag: string; sellerId: string; data: string }[];
    expect(msg).toMatchObject({ msgTag: 'msg_fulfillment_status_change', sellerId: shop.platformShopId });
    expect(JSON.parse(msg.data)).toEqual({ orderId: order.orderId, orderStatus: 4, updateTime: order.updatedAt });
    expect(order.orderId).toMatch(/^P\d{18}$/);
  });
});

describe('order generator', () => {
  let douyin: DouyinSimulator;
  beforeEach(async () => {
    douyin = await startSimulator('douyin', {});
  });
  afterEach(() => douyin.close());

  it('produces orders at about the requested rate', async () => {
    const t0 = Date.now();
    douyin.startGenerator(100);
    await waitFor(() => douyin.generatedOrders().length >= 100, 5000, '100 orders');
    const elapsed = Date.now() - t0;
    douyin.stopGenerator();
    expect(elapsed).toBeGreaterThan(800);
    expect(elapsed).toBeLessThan(2000);
    const n = douyin.generatedOrders().length;
    expect(douyin.stats().generator.generated).toBe(n);
  });

  it('makes realistic paid orders with exact 19-digit ids and recorded pay times', async () => {
    await douyin.burst({ count: 200 });
    const records = douyin.generatedOrders();
    expect(records).toHaveLength(200);
    for (const r of records) {
      const o = douyin.store.order(r.orderId);
      expect(o.orderId).toMatch(/^\d{19}$/);
      expect(o.status).toBe('paid');
      expect(o.paidAt).toBe(r.paidAt);
      expect(o.items.length).toBeGreaterThanOrEqual(1);
      expect(o.items.length).toBeLessThanOrEqual(3);
      for (const l of o.items) expect(douyin.store.skus.has(l.skuId)).toBe(true);
    }
    expect(new Set(records.map((r) => r.orderId)).size).toBe(200);
  });

  it('a rate-limited burst runs for about its duration', async () => {
    const t0 = Date.now();
    const made = await douyin.burst({ ratePerSec: 200, durationSec: 0.5 });
    expect(made).toBe(100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });
});
