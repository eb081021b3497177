/**
 * Whole system as processes (sandbox + gateway + order-sync + catalog-sync) on the real Postgres and Redis:
 * a product published to all three simulated platforms through the gateway, ERP stock reported with an erp
 * key, then a paid order on douyin travels push -> gateway -> order-sync -> {stock-events} -> catalog-sync
 * and lowers what taobao and xiaohongshu show; a fixed allocation keeps the sum within on-hand; the
 * order's cancellation releases its units again.
 */
import { randomBytes, randomInt } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { Platform } from '@app/contracts';
import { startSystem, type System } from '../../../../scripts/system';

jest.setTimeout(120_000);

const PG_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PLATFORMS: Platform[] = ['douyin', 'taobao', 'xiaohongshu'];

interface SimStockRow {
  shopId: string;
  productId: string;
  skuId: string;
  skuCode: string;
  stock: number;
}
interface StockView {
  onHand: number;
  reserved: number;
  free: number;
  platforms: { platform: Platform; sellable: number }[];
}

async function poll<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, describe?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('stock flow e2e: order on one platform -> stock on the others', () => {
  const id = randomBytes(4).toString('hex');
  const databaseName = `omnisync_e2e_stock_${id}`;
  const prefix = `e2e-stock-${id}`;
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${databaseName}`;
  let sys: System | undefined;
  let erp: AxiosInstance;
  let merch: AxiosInstance;
  const code = `E2E-STOCK-${id}`;
  let skuId: string;
  const simSku = {} as Record<Platform, SimStockRow>;

  const simStock = async (p: Platform): Promise<number | undefined> => {
    const rows = await sys!.sandboxAdmin<SimStockRow[]>(p, 'GET', 'stock');
    return rows.find((r) => r.skuCode === code)?.stock;
  };
  const view = async (): Promise<StockView> => {
    const res = await sys!.gateway.get(`/skus/${skuId}/stock`);
    if (res.status !== 200) throw new Error(`GET stock -> ${res.status} ${JSON.stringify(res.data)}`);
    return res.data as StockView;
  };
  const logs = async () => `${JSON.stringify(await view().catch((e) => String(e)))}\ncatalog-sync:\n${sys!.processes.get('catalog-sync')?.output.slice(-15).join('')}\norder-sync:\n${sys!.processes.get('order-sync')?.output.slice(-15).join('')}`;

  beforeAll(async () => {
    sys = await startSystem({
      databaseUrl: dbUrl.toString(),
      prefix,
      apps: ['gateway', 'order-sync', 'catalog-sync'],
      appEnv: {
        'order-sync': { SHUTDOWN_GRACE_MS: '2000', ORDER_POLL_ENABLED: 'false' },
        'catalog-sync': { SHUTDOWN_GRACE_MS: '2000' },
        gateway: { SHUTDOWN_GRACE_MS: '2000' },
      },
    });
    const key = async (name: string, roles: string[]) => {
      const res = await sys!.gateway.post('/api-keys', { name, roles });
      if (res.status !== 201) throw new Error(`POST /api-keys -> ${res.status} ${JSON.stringify(res.data)}`);
      return axios.create({ baseURL: sys!.urls.gateway, headers: { authorization: `Bearer ${res.data.key}` }, timeout: 30_000, validateStatus: () => true });
    };
    erp = await key('erp feed', ['erp']);
    merch = await key('merchandiser', ['merchandiser']);
  }, 180_000);

  afterAll(async () => {
    await sys?.stop().catch(() => undefined);
    const admin = new DataSource({ type: 'postgres', url: PG_ADMIN_URL });
    await admin.initialize();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.destroy();
    const r = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
    r.disconnect();
  }, 60_000);

  it('publishes one SKU everywhere and takes ERP stock only from an erp key', async () => {
    const created = await merch.post('/products', {
      title: '春季纯棉T恤 男款',
      description: '舒适透气的纯棉面料',
      images: ['https://img.example/tee-1.jpg'],
      category: '1001',
      attributes: { 品牌: 'Acme', 材质: '棉' },
      skus: [{ erpSkuCode: code, specValues: { 尺码: 'M' }, listPriceFen: 12900, salePriceFen: 9900, weightGrams: 200 }],
    });
    expect([created.status, created.status === 201 ? null : created.data]).toEqual([201, null]);
    const productId = created.data.product.id as string;
    skuId = created.data.skus[0].id as string;

    const pub = await merch.post(`/products/${productId}/publish`, {});
    expect([pub.status, pub.status === 202 ? null : pub.data]).toEqual([202, null]);
    await poll(
      'published on all three platforms',
      async () => {
        const s = await merch.get(`/products/${productId}/publish-status`);
        const listings = (s.data.listings ?? []) as { status: string }[];
        return listings.length === 3 && listings.every((l) => l.status === 'published');
      },
      20_000,
      async () => JSON.stringify((await merch.get(`/products/${productId}/publish-status`)).data),
    );
    for (const p of PLATFORMS) {
      const row = (await sys!.sandboxAdmin<SimStockRow[]>(p, 'GET', 'stock')).find((r) => r.skuCode === code);
      expect(row).toBeDefined();
      simSku[p] = row!;
    }

    // the merchandiser key may not report stock; a body naming a merchant is refused
    expect((await merch.post('/erp/stock', { items: [{ erpSkuCode: code, onHand: 100 }] })).status).toBe(403);
    const named = await erp.post('/erp/stock', { merchantId: sys!.merchantId, items: [{ erpSkuCode: code, onHand: 100 }] });
    expect(named.status).toBe(400);
    expect(JSON.stringify(named.data.message)).toContain('merchantId');

    const levels = await erp.post('/erp/stock', { items: [{ erpSkuCode: code, onHand: 100 }] });
    expect(levels.status).toBe(200);
    expect(levels.data.applied).toEqual([{ index: 0, erpSkuCode: code, skuId }]);
    await poll('100 on every platform', async () => (await Promise.all(PLATFORMS.map(simStock))).every((s) => s === 100), 10_000, logs);
  });

  let orderId: string;
  it('a paid order on douyin lowers taobao and xiaohongshu within seconds (shared pool)', async () => {
    expect(skuId).toBeDefined();
    const dy = simSku.douyin;
    orderId = `69${String(Date.now()).slice(-10)}${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    const now = Date.now();
    const seeded = await sys!.sandboxAdmin<{ orders: string[] }>('douyin', 'POST', 'seed/orders', {
      orders: [
        {
          platformOrderId: orderId,
          status: 'paid',
          createdAt: now - 5000,
          paidAt: now - 4000,
          updatedAt: now - 4000,
          items: [{ lineId: `${orderId}1`, productId: dy.productId, skuId: dy.skuId, skuCode: code, title: '春季纯棉T恤 男款', quantity: 3, unitPriceFen: 9900 }],
          shippingFen: 0,
          discountFen: 0,
        },
      ],
    });
    expect(seeded.orders).toEqual([orderId]);
    const t0 = Date.now();
    await poll('taobao and xiaohongshu at 97', async () => (await simStock('taobao')) === 97 && (await simStock('xiaohongshu')) === 97, 15_000, logs);
    // eslint-disable-next-line no-console
    console.log(`[measure] douyin sale reached taobao and xiaohongshu in ${Date.now() - t0} ms (push -> order-sync -> catalog-sync -> platforms)`);
    const v = await view();
    expect([v.onHand, v.reserved, v.free]).toEqual([100, 3, 97]);
  });

  it('fixed allocation: platform figures sum to at most on-hand minus what was sold; a cancellation releases the units', async () => {
    expect(orderId).toBeDefined();
    const put = await merch.put(`/skus/${skuId}/stock-allocation`, { mode: 'fixed', shares: { douyin: 50, taobao: 30, xiaohongshu: 20 } });
    expect(put.status).toBe(200);
    await poll('shares on taobao and xiaohongshu', async () => (await simStock('taobao')) === 30 && (await simStock('xiaohongshu')) === 20, 10_000, logs);
    const v = await view();
    const sellable = Object.fromEntries(v.platforms.map((p) => [p.platform, p.sellable]));
    expect(sellable).toEqual({ douyin: 47, taobao: 30, xiaohongshu: 20 });
    expect(v.platforms.reduce((a, p) => a + p.sellable, 0)).toBeLessThanOrEqual(v.onHand - v.reserved);

    await sys!.sandboxAdmin('douyin', 'POST', `orders/${orderId}/transition`, { to: 'cancelled' });
    await poll('units released', async () => (await view()).reserved === 0, 15_000, logs);
    const after = await view();
    expect(Object.fromEntries(after.platforms.map((p) => [p.platform, p.sellable]))).toEqual({ douyin: 50, taobao: 30, xiaohongshu: 20 });
  });
});
