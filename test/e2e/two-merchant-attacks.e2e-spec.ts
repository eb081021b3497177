import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import type { Platform, Role } from '@app/contracts';
import { SecretBox, sealErpSecrets } from '@app/persistence';
import { MERCHANT_HEADER, ROLES_HEADER } from '@app/service-auth';
import { startE2eSystem, tail, waitAllAtErp, waitUntil, type E2eSystem } from '../../apps/order-sync/test/e2e/support/e2e-system';

/**
 * Issue 7's attacks of merchant A against merchant B on one running system (gateway + order-sync + catalog-sync
 * + the simulators), those not already shown end to end elsewhere (shop-tenancy: app-key hijack, forged push,
 * message-id pre-emption, base URL in the body; limits: the flood; route-matrix: every route x role x foreign id;
 * erp-per-merchant: two ERPs): Bull Board and raw queues with merchant keys, outbox retry across merchants, SSRF
 * targets at save and at send, direct calls to the internal services, /metrics on the public port, and
 * shipment-id pre-emption. A owns the Douyin and Taobao simulator shops, B the Xiaohongshu one.
 */
jest.setTimeout(180_000);

const A_PLATFORM: Platform = 'douyin';
const B_PLATFORM: Platform = 'xiaohongshu';

describe('two merchants on one running system: A attacks B', () => {
  let e2e: E2eSystem;
  let gwA: AxiosInstance;
  let gwB: AxiosInstance;
  const keysA = {} as Record<'admin' | 'ops' | 'erp' | 'all', string>;
  let erpKeyB: string;
  const gwWith = (key?: string) =>
    axios.create({
      baseURL: e2e.sys.urls.gateway,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      validateStatus: () => true,
      timeout: 30_000,
      maxRedirects: 0,
    });
  const mintKey = async (gw: AxiosInstance, roles: Role[]): Promise<string> => {
    const res = await gw.post('/api-keys', { name: `attack ${roles.join('+')}`, roles });
    if (res.status !== 201) throw new Error(`POST /api-keys -> ${res.status} ${JSON.stringify(res.data)}`);
    return (res.data as { key: string }).key;
  };

  beforeAll(async () => {
    e2e = await startE2eSystem({ apps: ['gateway', 'order-sync', 'catalog-sync'], secondMerchant: { platforms: [B_PLATFORM] } });
    gwA = e2e.sys.gateway;
    gwB = e2e.sys.second!.gateway;
    keysA.admin = e2e.sys.adminKey;
    keysA.ops = await mintKey(gwA, ['ops']);
    keysA.erp = await mintKey(gwA, ['erp']);
    keysA.all = await mintKey(gwA, ['admin', 'ops', 'merchandiser', 'erp']);
    erpKeyB = await mintKey(gwB, ['erp']);
  }, 180_000);

  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  const logs = () => `\norder-sync:\n${tail(e2e.sys, 'order-sync', 40)}`;

  // ------------------------------------------------------------------ consoles

  it('Bull Board and the raw queues: 403 for every merchant key of A, 401 without one, 200 for the operator', async () => {
    const paths = ['/ops/queues/board', '/ops/queues/board/api/queues', '/operator/queues'];
    for (const path of paths) {
      for (const [role, key] of Object.entries(keysA).filter(([r]) => r !== 'erp')) {
        const res = await gwWith(key).get(path);
        expect({ path, role, status: res.status }).toEqual({ path, role, status: 403 });
      }
      expect({ path, status: (await gwWith().get(path)).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await e2e.sys.operator.get(path)).status }).toEqual({ path, status: 200 });
    }
    // the board's write routes too (pause, clean, retry, add): refused before Bull Board sees them
    const queues = (await e2e.sys.operator.get('/ops/queues/board/api/queues')).data as { queues: { name: string }[] };
    expect(queues.queues.length).toBeGreaterThan(0);
    const q = encodeURIComponent(queues.queues[0].name);
    for (const [method, path] of [
      ['put', `/ops/queues/board/api/queues/${q}/pause`],
      ['put', `/ops/queues/board/api/queues/${q}/clean/completed`],
      ['put', `/ops/queues/board/api/queues/${q}/retry/failed`],
      ['post', `/ops/queues/board/api/queues/${q}/add`],
    ] as const) {
      for (const key of [keysA.admin, keysA.ops, keysA.all]) expect({ path, status: (await gwWith(key)[method](path, {})).status }).toEqual({ path, status: 403 });
    }
    const state = (await e2e.sys.operator.get('/ops/queues/board/api/queues')).data as { queues: { name: string; isPaused: boolean }[] };
    expect(state.queues.filter((x) => x.isPaused)).toEqual([]);
  });

  // ------------------------------------------------------------------ internal services

  it('order-sync and catalog-sync refuse direct calls (no gateway signature), whatever merchant header they carry', async () => {
    const headersB = { [MERCHANT_HEADER]: e2e.sys.second!.merchantId, [ROLES_HEADER]: 'admin,ops,erp,merchandiser' };
    const direct = [
      [e2e.sys.urls['order-sync'], '/ops/sla'],
      [e2e.sys.urls['order-sync'], '/ops/queues'],
      [e2e.sys.urls['order-sync'], '/erp/orders'],
      [e2e.sys.urls['catalog-sync'], '/products'],
    ];
    for (const [base, path] of direct) {
      for (const headers of [{}, headersB]) {
        const res = await axios.get(`${base}${path}`, { headers, validateStatus: () => true });
        expect({ path, headers: Object.keys(headers), status: res.status }).toEqual({ path, headers: Object.keys(headers), status: 401 });
        expect(JSON.stringify(res.data)).not.toContain('p99');
      }
    }
    const post = await axios.post(`${e2e.sys.urls['order-sync']}/ops/outbox/retry`, { all: true }, { headers: headersB, validateStatus: () => true });
    expect(post.status).toBe(401);
  });

  it('/metrics is not on the public port (404) but on the metrics port', async () => {
    expect((await gwWith().get('/metrics')).status).toBe(404);
    expect((await gwWith(keysA.admin).get('/metrics')).status).toBe(404);
    const m = await axios.get(`${e2e.sys.metricsUrls.gateway}/metrics`, { validateStatus: () => true });
    expect(m.status).toBe(200);
    expect(String(m.data)).toContain('# TYPE');
  });

  // ------------------------------------------------------------------ SSRF at save

  it('PUT /erp-connection refuses every internal target with 400 naming baseUrl, and stores nothing', async () => {
    const targets = [
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:6379',
      'http://[::1]:5432',
      'http://0x7f000001',
      'http://2130706433',
      'http://10.0.0.5',
      'http://192.168.1.1',
      'http://localhost:3001',
      'http://[::ffff:127.0.0.1]',
      // the running system's own internal services (loopback, not operator-allowed ports)
      e2e.sys.urls['order-sync'],
      e2e.sys.urls['catalog-sync'],
    ];
    for (const baseUrl of targets) {
      const res = await gwA.put('/erp-connection', { connector: 'generic-http', baseUrl, secret: 'a-secret-of-merchant-a', batchSize: 10, timeoutMs: 1000 });
      expect({ baseUrl, status: res.status }).toEqual({ baseUrl, status: 400 });
      const msg = JSON.stringify((res.data as { message: unknown }).message);
      expect({ baseUrl, namesField: msg.includes('baseUrl') }).toEqual({ baseUrl, namesField: true });
    }
    expect(await e2e.db.query(`SELECT merchant_id FROM core.erp_connections`)).toEqual([]);
    expect((await gwA.get('/erp-connection')).data).toMatchObject({ connector: null });
  });

  // ------------------------------------------------------------------ orders of both merchants at the ERP

  const seedPaid = async (platform: Platform): Promise<string> => {
    const base = `${randomInt(1e6, 9e6)}${randomInt(1e6, 9e6)}`;
    const id = platform === 'douyin' ? `6${base}0001` : `P${base}0001`;
    const now = Date.now();
    await e2e.sys.sandboxAdmin(platform, 'POST', 'seed/orders', {
      orders: [
        {
          platformOrderId: id,
          status: 'paid',
          createdAt: now - 20_000,
          paidAt: now - 10_000,
          updatedAt: now - 10_000,
          items: [{ lineId: `${id}-1`, productId: 'p-atk', skuId: 's-atk', skuCode: 'SKU-ATK', title: 'attack item', quantity: 1, unitPriceFen: 1990 }],
          shippingFen: 0,
          discountFen: 0,
        },
      ],
    });
    return id;
  };
  const outboxOf = async (platformOrderId: string) =>
    (await e2e.db.query(
      `SELECT ob.id::text AS id, ob.status, ob.last_error FROM order_sync.outbox ob JOIN order_sync.orders o ON o.id = ob.order_id
        WHERE o.platform_order_id = $1 ORDER BY ob.id`,
      [platformOrderId],
    )) as { id: string; status: string; last_error: string | null }[];

  let orderA = '';
  let orderB = '';

  it("shipment-id pre-emption: A registers an ERP shipment id first; B's shipment with that id is still accepted", async () => {
    orderA = await seedPaid(A_PLATFORM);
    orderB = await seedPaid(B_PLATFORM);
    await waitAllAtErp(e2e.sys, { [A_PLATFORM]: [orderA], [B_PLATFORM]: [orderB] }, 60_000).catch((e) => {
      throw new Error(`${String(e)}${logs()}`);
    });
    const shipmentId = `ERP-SHIP-${randomInt(1e6, 9e6)}`;
    const byA = await gwWith(keysA.erp).post('/erp/shipments', {
      shipments: [{ shipmentId, platform: A_PLATFORM, platformOrderId: orderA, trackingNo: 'ZTA0001', carrierCode: 'zhongtong' }],
    });
    expect(byA.status).toBe(200);
    const aItems = byA.data.results as { status: string; duplicate: boolean }[];
    expect(aItems[0]).toMatchObject({ duplicate: false });
    expect(aItems[0].status).not.toBe('not_found');

    // A cannot name B's order either
    const aOnB = await gwWith(keysA.erp).post('/erp/shipments', {
      shipments: [{ shipmentId: `${shipmentId}-x`, platform: B_PLATFORM, platformOrderId: orderB, trackingNo: 'ZTA0002', carrierCode: 'zhongtong' }],
    });
    expect((aOnB.data.results as { status: string }[])[0].status).toBe('not_found');

    const byB = await gwWith(erpKeyB).post('/erp/shipments', {
      shipments: [{ shipmentId, platform: B_PLATFORM, platformOrderId: orderB, trackingNo: 'ZTB0001', carrierCode: 'zhongtong' }],
    });
    expect(byB.status).toBe(200);
    const bItems = byB.data.results as { status: string; duplicate: boolean; orderId: string | null }[];
    expect(bItems[0]).toMatchObject({ duplicate: false });
    expect(bItems[0].status).not.toBe('not_found');
    const rows: { merchant_id: string; tracking_no: string; platform_order_id: string }[] = await e2e.db.query(
      `SELECT merchant_id::text AS merchant_id, tracking_no, platform_order_id FROM order_sync.shipments WHERE erp_shipment_id = $1 ORDER BY tracking_no`,
      [shipmentId],
    );
    expect(rows).toEqual([
      { merchant_id: e2e.sys.merchantId, tracking_no: 'ZTA0001', platform_order_id: orderA },
      { merchant_id: e2e.sys.second!.merchantId, tracking_no: 'ZTB0001', platform_order_id: orderB },
    ]);
    // B sees its own shipment, with B's tracking number
    const listB = await gwWith(erpKeyB).get('/erp/shipments', { params: { orderId: bItems[0].orderId } });
    expect(listB.status).toBe(200);
    expect(JSON.stringify(listB.data)).toContain('ZTB0001');
    expect(JSON.stringify(listB.data)).not.toContain('ZTA0001');
  });

  // ------------------------------------------------------------------ outbox retry across merchants

  it("POST /ops/outbox/retry: A's ids or all:true never touch B's failed rows; A's own failed row is retried", async () => {
    const [rowA] = await waitUntil('A outbox row', async () => ((await outboxOf(orderA)).length > 0 ? outboxOf(orderA) : undefined), 20_000);
    const [rowB] = await waitUntil('B outbox row', async () => ((await outboxOf(orderB)).length > 0 ? outboxOf(orderB) : undefined), 20_000);
    await e2e.db.query(`UPDATE order_sync.outbox SET status = 'failed', last_error = 'failed by the test' WHERE id IN ($1, $2)`, [rowA.id, rowB.id]);
    // B's row as it is (B's order may get newer rows meanwhile, e.g. from its shipment: only this one matters)
    const rowOf = async (id: string) => (await e2e.db.query(`SELECT id::text AS id, status, attempts, last_error, next_attempt_at FROM order_sync.outbox WHERE id = $1`, [id]))[0];
    const bBefore = await rowOf(rowB.id);
    expect(bBefore.status).toBe('failed');

    for (const key of [keysA.ops, keysA.admin]) {
      const res = await gwWith(key).post('/ops/outbox/retry', { ids: [rowB.id] });
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ retried: [], notFound: [rowB.id] });
    }
    expect(await rowOf(rowB.id)).toEqual(bBefore);

    const all = await gwWith(keysA.ops).post('/ops/outbox/retry', { all: true });
    expect(all.status).toBe(200);
    expect(all.data.retried).toContain(rowA.id);
    expect(all.data.retried).not.toContain(rowB.id);
    expect(await rowOf(rowB.id)).toEqual(bBefore);
    expect((await rowOf(rowA.id)).status).not.toBe('failed');

    // B's own key can retry it (the row was retryable all along)
    const own = await gwB.post('/ops/outbox/retry', { ids: [rowB.id] });
    expect(own.data).toMatchObject({ retried: [rowB.id], notFound: [] });
  });

  // ------------------------------------------------------------------ SSRF at send

  it('a connection row written past the API (loopback trap, Redis port) is refused at send: nothing reaches the target', async () => {
    const hits: string[] = [];
    const trap: Server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true,"internal":"secret-answer"}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    try {
      const box = new SecretBox(Buffer.from(e2e.sys.options.secretsKey, 'hex'));
      const insert = (merchantId: string, baseUrl: string) =>
        e2e.db.query(
          `INSERT INTO core.erp_connections (merchant_id, connector, base_url, credentials, batch_size, timeout_ms) VALUES ($1, 'generic-http', $2, $3, 10, 1000)`,
          [merchantId, baseUrl, sealErpSecrets(box, merchantId, { secret: 'written-past-the-api' })],
        );
      await insert(e2e.sys.merchantId, trapUrl);
      await insert(e2e.sys.second!.merchantId, 'http://127.0.0.1:6379');
      // order-sync caches each merchant's connection for 10 s (ErpConnectionDirectory)
      await new Promise((r) => setTimeout(r, 11_000));
      const erpBefore = ((await e2e.sys.sandboxAdmin<{ orders: unknown[] }>('erp', 'GET', 'orders')).orders ?? []).length;
      const sendA = await seedPaid(A_PLATFORM);
      const sendB = await seedPaid(B_PLATFORM);
      for (const id of [sendA, sendB]) {
        const rows = await waitUntil(
          `the refusal on ${id}'s outbox row`,
          async () => {
            const r = await outboxOf(id);
            return r.length > 0 && r[0].last_error !== null ? r : undefined;
          },
          45_000,
          async () => `${JSON.stringify(await outboxOf(id))}${logs()}`,
        );
        expect(rows[0].status).not.toBe('delivered');
        expect(rows[0].last_error).toMatch(/outbound URL refused/);
        expect(rows[0].last_error).not.toContain('secret-answer');
        console.log(`${id}: outbox ${rows[0].status}, last_error ${rows[0].last_error}`);
      }
      expect(hits).toEqual([]);
      // and not to the default ERP either
      expect(((await e2e.sys.sandboxAdmin<{ orders: unknown[] }>('erp', 'GET', 'orders')).orders ?? []).length).toBe(erpBefore);
    } finally {
      trap.closeAllConnections();
      await new Promise<void>((r) => trap.close(() => r()));
    }
  });
});
