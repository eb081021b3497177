import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CORE_MIGRATIONS } from '@app/persistence';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { bootstrapApp } from '../../src/main';
import { MerchantsService } from '../../src/merchants/merchants.service';
import { OPS_PAGE_CSP } from '../../src/ops-page/ops-page.controller';

/**
 * The ops page's static routes (public, strict CSP, a fixed list of assets) and the platform operator acting for
 * a merchant it names in x-ops-merchant: only on the ops page's routes, only for an existing merchant, and a
 * merchant's key can never use the header to see another merchant.
 */
describe('ops page routes and the operator acting for a merchant (gateway)', () => {
  const OPERATOR_TOKEN = 'op_ops-page-test-operator-token-0123456789';
  let db: TestDatabase;
  let started: Awaited<ReturnType<typeof bootstrapApp>>;
  let base: string;
  let merchantA: string;
  let merchantB: string;
  let adminA: string;
  let opsA: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: CORE_MIGRATIONS });
    started = await bootstrapApp({
      env: {
        PORT: '0',
        NODE_ENV: 'test',
        LOG_LEVEL: 'error',
        DATABASE_URL: db.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        BULLMQ_PREFIX: testPrefix('gw-opspage'),
        SECRETS_KEY: '0f'.repeat(32),
        INTERNAL_SERVICE_SECRET: 'internal-service-secret-of-this-test-0123456789',
        SHUTDOWN_GRACE_MS: '2000',
        RATE_LIMIT_ENABLED: 'false',
        OPERATOR_TOKEN_SHA256: createHash('sha256').update(OPERATOR_TOKEN).digest('hex'),
        ORDER_SYNC_URL: 'http://127.0.0.1:1',
        CATALOG_SYNC_URL: 'http://127.0.0.1:1',
        UPSTREAM_TIMEOUT_MS: '500',
      },
    });
    base = `http://127.0.0.1:${(started.app.getHttpServer().address() as AddressInfo).port}`;
    const merchants = started.app.get(MerchantsService);
    const keys = started.app.get(ApiKeysService);
    merchantA = (await merchants.findOrCreateByName('Page A')).merchant.id;
    merchantB = (await merchants.findOrCreateByName('Page B')).merchant.id;
    adminA = (await keys.create(merchantA, 'A admin', ['admin'])).key;
    opsA = (await keys.create(merchantA, 'A ops', ['ops'])).key;
    const adminB = (await keys.create(merchantB, 'B admin', ['admin'])).key;
    for (const [key, tag] of [[adminA, 'a'], [adminB, 'b']] as const) {
      await request(base)
        .post('/shops')
        .set('Authorization', `Bearer ${key}`)
        .send({ platform: 'douyin', platformShopId: `page-${tag}`, name: `shop ${tag.toUpperCase()}`, appKey: `ak-page-${tag}`, appSecret: 'page-secret' })
        .expect(201);
    }
  });

  afterAll(async () => {
    await started?.app.close();
    await db?.drop();
  });

  const operator = (path: string, merchant?: string) => {
    const r = request(base).get(path).set('Authorization', `Bearer ${OPERATOR_TOKEN}`);
    return merchant === undefined ? r : r.set('x-ops-merchant', merchant);
  };

  it('redirects / to /ops and serves the page and its listed assets without a key, under the strict CSP', async () => {
    expect((await request(base).get('/').expect(302)).headers.location).toBe('/ops');
    const page = await request(base).get('/ops').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toBe(OPS_PAGE_CSP);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script: every script has a src
    expect(page.text).not.toMatch(/ on[a-z]+="/); // no inline handlers
    for (const asset of ['ops.js', 'ops.css', 'uPlot.iife.min.js', 'uPlot.min.css']) {
      const res = await request(base).get(`/ops/assets/${asset}`).expect(200);
      expect(res.headers['content-security-policy']).toBe(OPS_PAGE_CSP);
    }
    for (const missing of ['nope.js', '..%2F..%2Fmain.ts', 'constructor', '__proto__']) await request(base).get(`/ops/assets/${missing}`).expect(404);
  });

  it("lets the operator read a merchant's shops it names, each merchant its own", async () => {
    const a = (await operator('/shops', merchantA).expect(200)).body as { name: string }[];
    const b = (await operator('/shops', merchantB).expect(200)).body as { name: string }[];
    expect(a.map((s) => s.name)).toEqual(['shop A']);
    expect(b.map((s) => s.name)).toEqual(['shop B']);
  });

  it('lists the merchants for the operator only', async () => {
    const list = (await operator('/operator/merchants').expect(200)).body as { merchants: { id: string; name: string }[] };
    expect(list.merchants.map((m) => m.id)).toEqual(expect.arrayContaining([merchantA, merchantB]));
    await request(base).get('/operator/merchants').set('Authorization', `Bearer ${adminA}`).expect(403);
    await request(base).get('/operator/merchants').expect(401);
  });

  it('refuses the operator without a merchant (400 naming the header) or with an unknown one (404)', async () => {
    const none = await operator('/shops').expect(400);
    expect(JSON.stringify(none.body.message)).toContain('x-ops-merchant');
    const bad = await operator('/shops', 'not-a-uuid').expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('x-ops-merchant');
    await operator('/shops', '00000000-0000-4000-8000-00000000dead').expect(404);
  });

  it("refuses the operator token on routes outside the ops page's (keys, shop changes, buyer data, audit)", async () => {
    for (const path of ['/api-keys', '/audit-log', '/erp/orders', '/erp-connection', '/merchants/me']) await operator(path, merchantA).expect(401);
    await request(base).post('/shops').set('Authorization', `Bearer ${OPERATOR_TOKEN}`).set('x-ops-merchant', merchantA).send({}).expect(401);
  });

  it("ignores x-ops-merchant on a merchant's own key: it never reaches another merchant", async () => {
    const res = await request(base).get('/shops').set('Authorization', `Bearer ${opsA}`).set('x-ops-merchant', merchantB).expect(200);
    expect((res.body as { name: string }[]).map((s) => s.name)).toEqual(['shop A']);
  });

  it("routes the operator's exception actions like a merchant's (a shop exception has none: 400 naming why)", async () => {
    const res = await request(base)
      .post('/exceptions/shop_needs_reauth:x/resolve')
      .set('Authorization', `Bearer ${OPERATOR_TOKEN}`)
      .set('x-ops-merchant', merchantA)
      .send({})
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('re-authorised');
  });
});
