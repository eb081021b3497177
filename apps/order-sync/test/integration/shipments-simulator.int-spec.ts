import request from 'supertest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { QUEUE, type Platform } from '@app/contracts';
import { PlatformAdapterLookup } from '@app/intake';
import { DouyinAdapter, type PlatformAdapter } from '@app/platforms';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { createSimulatorBackend, type SimulatorBackend } from '../../../../libs/sandbox/test/simulator-backend';
import { testPrefix } from '@app/testing';
import { ShipmentsFeatureModule } from '../../src/shipments/shipments.module';
import type { ShipmentView } from '../../src/shipments/shipment.types';
import { MERCHANT_HEADER } from '../../src/shared/merchant-id.decorator';
import { createHarness, REDIS, waitFor, type Harness } from '../harness';
import { testOutboundPolicy } from '@app/testing/outbound-policy';

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
function id19(): string {
  seq += 1;
  return `49${Date.now()}${String(seq).padStart(4, '0')}`.slice(0, 19).padEnd(19, '7');
}

/**
 * The whole write-back against the real douyin simulator with the real DouyinAdapter (signing, envelope,
 * error mapping): POST /erp/shipments -> ship-order -> order.logisticsAdd, and the refund refusal path.
 */
describe('shipments against the douyin simulator (real DouyinAdapter)', () => {
  let h: Harness;
  let backend: SimulatorBackend;
  let adapter: PlatformAdapter | null = null;
  let redis: Redis;
  let breakers: BreakerRegistry;
  let http: ReturnType<typeof request>;
  const get = (path: string, merchant: string | null = MERCHANT) => (merchant ? http.get(path).set(MERCHANT_HEADER, merchant) : http.get(path));
  const postRaw = (path: string, merchant: string | null = MERCHANT) => (merchant ? http.post(path).set(MERCHANT_HEADER, merchant) : http.post(path));
  const redisPrefix = testPrefix('os-ship-sim');

  beforeAll(async () => {
    backend = await createSimulatorBackend('douyin');
    const lookup: PlatformAdapterLookup = {
      get: () => {
        if (!adapter) throw new Error('adapter not built yet');
        return adapter;
      },
    };
    h = await createHarness({
      extraImports: [
        ShipmentsFeatureModule.register({ options: { backgroundLoops: false }, providers: [{ provide: PlatformAdapterLookup, useValue: lookup }] }),
      ],
    });
    h.shops.shops.push(backend.shop());
    await registerShops(h.db.dataSource, [{ shopId: backend.shop().shopId, platform: 'douyin', platformShopId: backend.shop().platformShopId }]);
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    breakers = new BreakerRegistry({ requestTimeoutMs: 2000, resetTimeoutMs: 30_000, volumeThreshold: 5 });
    adapter = new DouyinAdapter({
      directory: h.shops,
      breakers,
      limiter: new RedisRateLimiter(redis, { keyPrefix: redisPrefix, defaultQps: 1000, maxWaitMs: 0 }),
      options: { timeoutMs: 2000, outbound: testOutboundPolicy() },
    });
    http = request(h.app.getHttpServer());
  });
  afterAll(async () => {
    await h.close();
    const q = new Queue(QUEUE.SHIPMENTS, { connection: REDIS, prefix: h.prefix });
    await q.obliterate({ force: true });
    await q.close();
    breakers.shutdown();
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await backend.close();
  });

  async function seed(status: 'paid' | 'refunded'): Promise<{ pid: string; orderId: string }> {
    const pid = id19();
    const t = Date.now() - 60_000;
    backend.sim.seedOrders(
      [{
        platformOrderId: pid,
        status,
        createdAt: t,
        paidAt: t + 1000,
        updatedAt: t + 2000,
        items: [{ lineId: `${pid}1`.slice(0, 19), productId: '3600000000000000001', skuId: '1700000000000000001', skuCode: 'SKU-1', title: 'tea', quantity: 1, unitPriceFen: 1990 }],
        shippingFen: 0,
        discountFen: 0,
      }],
      undefined,
      { notify: false },
    );
    // as ingested before the refund (the refunded case: our copy is still 'paid')
    const rows: { id: string }[] = await h.db.dataSource.query(
      `INSERT INTO order_sync.orders (platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
          pay_time, created_at_platform, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items, refund_status)
       VALUES ('douyin', $1, $2, 'paid', '2', now(), 1, now(), now(), 1990, 1990, 0, 0, '\\x00'::bytea, '[]'::jsonb, 'none') RETURNING id`,
      [backend.shop().shopId, pid],
    );
    return { pid, orderId: rows[0].id };
  }

  const waitStatus = (orderId: string, status: string): Promise<ShipmentView> =>
    waitFor(async () => {
      const res = await get('/erp/shipments').query({ orderId }).expect(200);
      const s = (res.body.shipments as ShipmentView[])[0];
      return s?.status === status ? s : null;
    }, 10_000, `shipment of ${orderId} ${status}`);

  it('ships the order on the simulator: simulator.state() shows it shipped with our tracking number', async () => {
    const { pid, orderId } = await seed('paid');
    await postRaw('/erp/shipments').send({ shipments: [{ shipmentId: `erp-${pid}`, platform: 'douyin', platformOrderId: pid, trackingNo: 'SF1234567890', carrierCode: 'shunfeng' }] }).expect(202);
    await waitStatus(orderId, 'shipped');
    const simOrder = backend.sim.state().orders.find((o) => o.orderId === pid);
    expect(simOrder).toMatchObject({ status: 'shipped', logistics: expect.objectContaining({ companyCode: 'shunfeng', trackingNo: 'SF1234567890' }) });
    const calls = backend.sim.requests('order.logisticsAdd').filter((c) => String(c.params.order_id) === pid);
    expect(calls).toHaveLength(1);
    expect(h.erp.shipmentNotices.find((n) => n.orderId === orderId)).toMatchObject({ outcome: 'shipped', platformOrderId: pid });
  });

  it('blocks the shipment when the simulator refuses it because the order was refunded there first', async () => {
    const { pid, orderId } = await seed('refunded');
    await postRaw('/erp/shipments').send({ shipments: [{ orderId, trackingNo: 'SF0000000001', carrierCode: 'shunfeng' }] }).expect(202);
    const s = await waitStatus(orderId, 'blocked_by_refund');
    expect(s.lastError).toContain('refund');
    expect(backend.sim.state().orders.find((o) => o.orderId === pid)?.status).toBe('refunded');
    await waitFor(async () => h.erp.shipmentNotices.find((n) => n.orderId === orderId), 5000, 'ERP notice');
    expect(h.erp.shipmentNotices.find((n) => n.orderId === orderId)).toMatchObject({ outcome: 'blocked_by_refund', platformOrderId: pid });
  });
});
