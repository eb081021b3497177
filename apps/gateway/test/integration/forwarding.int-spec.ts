import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { StrictValidationPipe } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { AuthModule } from '../../src/auth/auth.module';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { ORDER_SYNC_FORWARDER, OrderApiController } from '../../src/forwarding/order-api.controller';
import { MERCHANT_HEADER, ServiceForwarder } from '../../src/forwarding/service-forwarder';
import { MerchantsModule } from '../../src/merchants/merchants.module';
import { MerchantsService } from '../../src/merchants/merchants.service';
import { verifyServiceCall } from '@app/service-auth';

const SECRET = 'forwarding-test-secret-0123456789abcdef';

interface Seen {
  method: string;
  url: string;
  merchant: string | undefined;
  body: string;
  /** order-sync's check of the gateway signature */
  verified: string;
}

/** A stand-in for order-sync: records what it was sent, answers by path. */
function fakeOrderSync(seen: Seen[]): Server {
  return createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const v = verifyServiceCall(SECRET, { method: req.method!, pathAndQuery: req.url!, headers: req.headers, rawBody: raw });
      seen.push({ method: req.method!, url: req.url!, merchant: req.headers[MERCHANT_HEADER] as string | undefined, body, verified: v.ok ? 'ok' : v.reason });
      res.setHeader('content-type', 'application/json');
      if (req.url!.startsWith('/erp/orders?limit=0')) {
        res.statusCode = 400;
        res.end(JSON.stringify({ statusCode: 400, error: 'Bad Request', message: ['limit must not be less than 1'] }));
        return;
      }
      if (req.url!.includes('cursor=7-1')) {
        res.end(JSON.stringify({ orders: [{ cursor: '8-1' }, { cursor: '9-2' }], nextCursor: '9-2' }));
        return;
      }
      res.end(JSON.stringify({ orders: [], nextCursor: '0-0', echo: req.url }));
    });
  });
}

describe('gateway forwarding to order-sync', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let upstream: Server;
  const seen: Seen[] = [];
  let keys: { erp: string; erpKeyId: string; admin: string; merch: string; ops: string; merchantId: string };

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    upstream = fakeOrderSync(seen);
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const port = (upstream.address() as AddressInfo).port;
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ DATABASE_URL: db.url, SECRETS_KEY: randomBytes(32).toString('hex') })] }),
        PersistenceModule.forRoot({ url: db.url, poolSize: 3, retryAttempts: 1 }),
        AuthModule,
        MerchantsModule,
      ],
      controllers: [OrderApiController],
      providers: [{ provide: ORDER_SYNC_FORWARDER, useValue: new ServiceForwarder('order-sync', `http://127.0.0.1:${port}`, 2000, SECRET) }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalPipes(new StrictValidationPipe());
    await app.init();
    const { merchant } = await app.get(MerchantsService).findOrCreateByName('forwarding-merchant');
    const mk = async (roles: ('erp' | 'merchandiser' | 'ops' | 'admin')[]) => (await app.get(ApiKeysService).create(merchant.id, roles.join('+'), roles)).key;
    const erp = await app.get(ApiKeysService).create(merchant.id, 'erp', ['erp']);
    keys = { erp: erp.key, erpKeyId: erp.apiKey.id, admin: await mk(['admin']), merch: await mk(['merchandiser']), ops: await mk(['ops']), merchantId: merchant.id };
  });

  afterAll(async () => {
    await app?.close();
    await new Promise<void>((r) => upstream?.close(() => r()));
    await db?.drop();
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it('forwards an ERP pull with the caller merchant and the query', async () => {
    const res = await request(app.getHttpServer()).get('/erp/orders').query({ cursor: '12-3', limit: 5 }).set('authorization', `Bearer ${keys.erp}`).expect(200);
    expect(res.body.orders).toEqual([]);
    expect(seen).toEqual([{ method: 'GET', url: '/erp/orders?cursor=12-3&limit=5', merchant: keys.merchantId, body: '', verified: 'ok' }]);
  });

  it('forwards the ack body unchanged', async () => {
    await request(app.getHttpServer()).post('/erp/orders/ack').send({ cursor: '12-3' }).set('authorization', `Bearer ${keys.erp}`).expect(200);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/erp/orders/ack', merchant: keys.merchantId, verified: 'ok' });
    expect(JSON.parse(seen[0].body)).toEqual({ cursor: '12-3' });
  });

  it('passes order-sync validation errors through, naming the field', async () => {
    const res = await request(app.getHttpServer()).get('/erp/orders').query({ limit: 0 }).set('authorization', `Bearer ${keys.erp}`).expect(400);
    expect(JSON.stringify(res.body)).toContain('limit');
  });

  it('refuses a key without the role, and an unauthenticated caller, without calling order-sync', async () => {
    await request(app.getHttpServer()).get('/erp/orders').set('authorization', `Bearer ${keys.merch}`).expect(403);
    await request(app.getHttpServer()).get('/erp/orders').expect(401);
    await request(app.getHttpServer()).get('/ops/sla').set('authorization', `Bearer ${keys.erp}`).expect(403);
    expect(seen).toEqual([]);
    await request(app.getHttpServer()).get('/ops/sla').set('authorization', `Bearer ${keys.ops}`).expect(200);
    expect(seen.map((s) => s.url)).toEqual(['/ops/sla']);
  });

  it("forwards GET /ops/queues (the merchant's own work) and outbox retries, signed, for ops keys only", async () => {
    await request(app.getHttpServer()).get('/ops/queues').set('authorization', `Bearer ${keys.erp}`).expect(403);
    await request(app.getHttpServer()).post('/ops/outbox/retry').send({ all: true }).set('authorization', `Bearer ${keys.merch}`).expect(403);
    expect(seen).toEqual([]);
    await request(app.getHttpServer()).get('/ops/queues').set('authorization', `Bearer ${keys.ops}`).expect(200);
    await request(app.getHttpServer()).post('/ops/outbox/retry').send({ ids: ['12'] }).set('authorization', `Bearer ${keys.ops}`).expect(200);
    expect(seen.map((s) => [s.method, s.url, s.merchant, s.verified])).toEqual([
      ['GET', '/ops/queues', keys.merchantId, 'ok'],
      ['POST', '/ops/outbox/retry', keys.merchantId, 'ok'],
    ]);
    expect(JSON.parse(seen[1].body)).toEqual({ ids: ['12'] });
  });

  it('audits every buyer-data read: acting key, orders returned, cursors', async () => {
    await request(app.getHttpServer()).get('/erp/orders').query({ cursor: '7-1', limit: 2 }).set('authorization', `Bearer ${keys.erp}`).expect(200);
    await request(app.getHttpServer()).get('/erp/orders').set('authorization', `Bearer ${keys.erp}`).expect(200);
    const rows = await db.dataSource.query(
      `SELECT merchant_id, actor_key_id, action, details FROM core.audit_log WHERE action = 'erp_orders.read' ORDER BY id`,
    );
    expect(rows.slice(-2)).toEqual([
      { merchant_id: keys.merchantId, actor_key_id: keys.erpKeyId, action: 'erp_orders.read', details: { count: 2, cursor: '7-1', nextCursor: '9-2' } },
      { merchant_id: keys.merchantId, actor_key_id: keys.erpKeyId, action: 'erp_orders.read', details: { count: 0, cursor: null, nextCursor: '0-0' } },
    ]);
  });

  it('does not audit a read that returned nothing (order-sync refused it)', async () => {
    const [{ n: before }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.audit_log`);
    await request(app.getHttpServer()).get('/erp/orders').query({ limit: 0 }).set('authorization', `Bearer ${keys.erp}`).expect(400);
    const [{ n: after }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM core.audit_log`);
    expect(after).toBe(before);
  });

  it('gives buyer data to erp keys only: admin, ops and merchandiser keys get 403 without a call', async () => {
    for (const key of [keys.admin, keys.ops, keys.merch]) {
      await request(app.getHttpServer()).get('/erp/orders').set('authorization', `Bearer ${key}`).expect(403);
    }
    expect(seen).toEqual([]);
  });

  it('refuses a prototype key nested in a forwarded body (no DTO at the gateway) without calling order-sync', async () => {
    const res = await request(app.getHttpServer())
      .post('/erp/shipments')
      .set('content-type', 'application/json')
      .send('{"shipments":[{"orderId":"o1","constructor":{"prototype":{"polluted":true}}}]}')
      .set('authorization', `Bearer ${keys.erp}`)
      .expect(400);
    expect(res.body.message).toEqual(['property shipments.0.constructor should not exist']);
    expect(seen).toEqual([]);
  });

  it('answers 503 naming the service when order-sync is down', async () => {
    const down = new ServiceForwarder('order-sync', 'http://127.0.0.1:1', 500, SECRET);
    await expect(down.forward({ method: 'GET', path: '/erp/orders', merchantId: keys.merchantId })).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('order-sync is unavailable'),
    });
  });
});
