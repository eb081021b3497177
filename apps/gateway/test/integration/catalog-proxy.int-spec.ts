import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Principal } from '../../src/auth/principal';
import { catalogProxy, ROLES_HEADER, type CatalogKeyAuthenticator } from '../../src/forwarding/catalog-proxy';
import { MERCHANT_HEADER } from '../../src/forwarding/service-forwarder';
import { SIGNATURE_HEADER, verifyServiceCall } from '@app/service-auth';

const SECRET = 'catalog-proxy-test-secret-0123456789abcdef';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** the gateway signature as catalog-sync checks it */
  verified: boolean;
}

const MERCHANT = '6c000000-0000-4000-8000-000000000001';
const keys: Record<string, Principal> = {
  'osk_merch': { merchantId: MERCHANT, keyId: 'k1', roles: ['merchandiser'] },
  'osk_nobody': { merchantId: MERCHANT, keyId: 'k2', roles: [] as never[] },
};
/** The gateway's ApiKeysService, reduced to what the proxy calls. */
const auth: CatalogKeyAuthenticator = {
  async authenticate(raw) {
    const p = keys[raw];
    return p ? { ok: true, principal: p } : { ok: false, message: 'unknown API key' };
  },
};

/** The proxy as the gateway mounts it: what it does not own falls through to the app (here a 404 marker). */
function withFallback(proxy: ReturnType<typeof catalogProxy>): RequestListener {
  return (req, res) =>
    proxy(req, res, () => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ owner: 'gateway' }));
    });
}

describe('catalog proxy', () => {
  let upstream: Server;
  let app: RequestListener;
  const seen: Seen[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const verified = verifyServiceCall(SECRET, { method: req.method!, pathAndQuery: req.url!, headers: req.headers, rawBody: raw }).ok;
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: raw.toString('utf8'), verified });
        res.writeHead(req.url!.includes('bad') ? 400 : 201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url!.includes('bad') ? { statusCode: 400, message: ['title must be a string'] } : { ok: true }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    app = withFallback(catalogProxy(auth, `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, 2000, SECRET));
  });

  afterAll(async () => {
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it('streams a CSV import byte for byte with the caller merchant and roles, not the caller key', async () => {
    const csv = 'product_key,title,erp_sku_code\np1,"Lip balm, 3 pack",SKU-1\n';
    const res = await request(app).post('/products/import?format=csv').set('authorization', 'Bearer osk_merch').set('content-type', 'text/csv').send(csv);
    expect(res.status).toBe(201);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/products/import?format=csv', body: csv });
    expect(seen[0].headers[MERCHANT_HEADER]).toBe(MERCHANT);
    expect(seen[0].headers[ROLES_HEADER]).toBe('merchandiser');
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[0].verified).toBe(true);
  });

  it('does not let a caller choose its merchant or pass its own signature through', async () => {
    await request(app)
      .get('/products?q=1')
      .set('authorization', 'Bearer osk_merch')
      .set(MERCHANT_HEADER, '6c000000-0000-4000-8000-00000000ffff')
      .set(SIGNATURE_HEADER, `v1=${'0'.repeat(64)}`)
      .expect(201);
    expect(seen[0].headers[MERCHANT_HEADER]).toBe(MERCHANT);
    expect(seen[0].headers[SIGNATURE_HEADER]).not.toBe(`v1=${'0'.repeat(64)}`);
    expect(seen[0].verified).toBe(true);
    // a signature made with another secret does not verify
    expect(verifyServiceCall('another-secret-0123456789abcdefghijkl', { method: 'GET', pathAndQuery: seen[0].url, headers: seen[0].headers, rawBody: Buffer.alloc(0) }).ok).toBe(false);
  });

  it('passes catalog-sync errors through unchanged', async () => {
    const res = await request(app).post('/products/bad').set('authorization', 'Bearer osk_merch').send({ title: 1 });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['title must be a string']);
  });

  it('refuses unknown keys and keys without a role, without calling catalog-sync', async () => {
    await request(app).get('/products').expect(401);
    await request(app).get('/products').set('authorization', 'Bearer osk_forged').expect(401);
    await request(app).get('/products').set('authorization', 'Bearer osk_nobody').expect(403);
    expect(seen).toEqual([]);
  });

  it('leaves every other path to the gateway', async () => {
    const res = await request(app).get('/productsx').set('authorization', 'Bearer osk_merch');
    expect(res.body).toEqual({ owner: 'gateway' });
    await request(app).get('/erp/orders').expect(404);
    expect(seen).toEqual([]);
  });

  it('answers 503 naming catalog-sync when it is down', async () => {
    const down = withFallback(catalogProxy(auth, 'http://127.0.0.1:1', 500, SECRET));
    const res = await request(down).get('/products').set('authorization', 'Bearer osk_merch');
    expect(res.status).toBe(503);
    expect(res.body.message).toContain('catalog-sync is unavailable');
  });
});
