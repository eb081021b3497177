import request from 'supertest';
import { verifyGenericSignature } from '@app/erp';
import { ErpConnectionDirectory } from '@app/persistence';
import { startErpSimulator, type ErpSimulator } from '@app/sandbox';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { type GatewayHarness, buildGatewayHarness } from './auth.harness';

const SECRET_A = 'erpsecret-A-NEVER-SHOWN-4f1c';
const SECRET_B = 'erpsecret-B-NEVER-SHOWN-9e2d';
const JST_APP_SECRET = 'jstappsecret-NEVER-SHOWN-71ab';
const JST_TOKEN = 'jsttoken-NEVER-SHOWN-c0de';

describe('gateway /erp-connection', () => {
  let db: TestDatabase;
  let h: GatewayHarness;
  let sim: ErpSimulator;
  let adminA: { key: string; merchantId: string; keyId: string };
  let adminB: { key: string; merchantId: string; keyId: string };
  let merchandiserA: string;
  let opsA: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    h = await buildGatewayHarness(db.url);
    sim = await startErpSimulator({ secret: SECRET_A, jushuitan: { appKey: 'jst-ak', appSecret: JST_APP_SECRET, accessToken: JST_TOKEN } });
    adminA = await h.keyFor('ERP A', ['admin']);
    adminB = await h.keyFor('ERP B', ['admin']);
    merchandiserA = (await h.keyFor('ERP A', ['merchandiser'])).key;
    opsA = (await h.keyFor('ERP A', ['ops'])).key;
  });

  afterAll(async () => {
    await sim?.close();
    await h?.close();
    await db?.drop();
  });

  beforeEach(() => sim.reset());

  const http = () => request(h.app.getHttpServer());
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
  const generic = (over: Record<string, unknown> = {}) => ({ connector: 'generic-http', baseUrl: sim.url, secret: SECRET_A, batchSize: 20, timeoutMs: 2000, ...over });
  const rowOf = async (merchantId: string) =>
    (await db.dataSource.query(`SELECT connector, base_url, batch_size, timeout_ms, credentials, updated_by FROM core.erp_connections WHERE merchant_id = $1`, [merchantId]))[0];
  const noSecretIn = (body: unknown) => {
    const text = JSON.stringify(body);
    for (const s of [SECRET_A, SECRET_B, JST_APP_SECRET, JST_TOKEN]) expect(text).not.toContain(s);
  };

  it('GET before any PUT: not configured (the default ERP applies)', async () => {
    const res = await http().get('/erp-connection').set(auth(adminB.key)).expect(200);
    expect(res.body).toMatchObject({ configured: false, merchantId: adminB.merchantId, connector: null });
  });

  it('PUT stores the connection sealed; GET shows it without secrets; updated_by is the acting key', async () => {
    const put = await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    expect(put.body).toMatchObject({
      configured: true,
      merchantId: adminA.merchantId,
      connector: 'generic-http',
      baseUrl: sim.url,
      batchSize: 20,
      timeoutMs: 2000,
      secretsSet: ['secret'],
      credentials: 'ok',
      updatedBy: adminA.keyId,
    });
    const get = await http().get('/erp-connection').set(auth(adminA.key)).expect(200);
    expect(get.body).toEqual(put.body);
    noSecretIn(put.body);
    noSecretIn(get.body);

    const row = await rowOf(adminA.merchantId);
    expect(row).toMatchObject({ connector: 'generic-http', batch_size: 20, timeout_ms: 2000, updated_by: adminA.keyId });
    expect((row.credentials as Buffer).includes(Buffer.from(SECRET_A))).toBe(false);
    const conn = await h.app.get(ErpConnectionDirectory).get(adminA.merchantId);
    expect(conn?.secrets.secret).toBe(SECRET_A);
    expect(JSON.stringify(conn)).not.toContain(SECRET_A);
  });

  it('PUT without the secret keeps the stored one (same connector)', async () => {
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    const res = await http().put('/erp-connection').set(auth(adminA.key)).send(generic({ secret: undefined, batchSize: 7 })).expect(200);
    expect(res.body).toMatchObject({ batchSize: 7, secretsSet: ['secret'] });
    expect((await h.app.get(ErpConnectionDirectory).get(adminA.merchantId))?.secrets.secret).toBe(SECRET_A);
  });

  it("stores a merchant's cap on ERP calls in flight; absent, it is null (the deployment's ERP_MAX_IN_FLIGHT)", async () => {
    const capped = await http().put('/erp-connection').set(auth(adminA.key)).send(generic({ maxInFlight: 8 })).expect(200);
    expect(capped.body).toMatchObject({ maxInFlight: 8 });
    expect((await h.app.get(ErpConnectionDirectory).get(adminA.merchantId))?.maxInFlight).toBe(8);
    const plain = await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    expect(plain.body).toMatchObject({ maxInFlight: null });
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic({ maxInFlight: 0 })).expect(400);
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic({ maxInFlight: 257 })).expect(400);
  });

  it.each([
    ['bad url scheme', { baseUrl: 'ftp://erp.example.com' }, ['baseUrl']],
    ['url with credentials', { baseUrl: 'https://u:p@erp.example.com' }, ['baseUrl']],
    ['not a url', { baseUrl: 'erp' }, ['baseUrl']],
    ['unknown connector', { connector: 'sap' }, ['connector']],
    ['batch size too big, timeout too small', { batchSize: 51, timeoutMs: 10 }, ['batchSize', 'timeoutMs']],
    ['secret too short, unknown field', { secret: 'x', colour: 'red' }, ['secret', 'colour']],
    ['field of another connector', { appSecret: 'whatever' }, ['appSecret']],
  ])('400 naming every bad field, nothing changed: %s', async (_name, over, fields) => {
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    const before = await rowOf(adminA.merchantId);
    const res = await http().put('/erp-connection').set(auth(adminA.key)).send(generic(over)).expect(400);
    const text = JSON.stringify(res.body.message);
    for (const f of fields) expect(text).toContain(f);
    expect(await rowOf(adminA.merchantId)).toEqual(before);
    noSecretIn(res.body);
  });

  it('400 naming the missing secret for a new generic-http connection, and the jushuitan fields', async () => {
    const fresh = await h.keyFor(`ERP fresh ${Date.now()}`, ['admin']);
    const a = await http().put('/erp-connection').set(auth(fresh.key)).send({ connector: 'generic-http', baseUrl: sim.url }).expect(400);
    expect(JSON.stringify(a.body.message)).toContain('secret is required');
    const b = await http().put('/erp-connection').set(auth(fresh.key)).send({ connector: 'jushuitan', baseUrl: sim.url }).expect(400);
    for (const f of ['appKey', 'appSecret', 'accessToken']) expect(JSON.stringify(b.body.message)).toContain(f);
    const c = await http().put('/erp-connection').set(auth(fresh.key)).send({ connector: 'generic-http', secret: SECRET_A }).expect(400);
    expect(JSON.stringify(c.body.message)).toContain('baseUrl');
    expect(await rowOf(fresh.merchantId)).toBeUndefined();
  });

  it('pull needs no URL or secret and stores none; test-send is refused for it', async () => {
    const m = await h.keyFor(`ERP pull ${Date.now()}`, ['admin']);
    const res = await http().put('/erp-connection').set(auth(m.key)).send({ connector: 'pull' }).expect(200);
    expect(res.body).toMatchObject({ connector: 'pull', baseUrl: null, secretsSet: [], credentials: 'none' });
    await http().post('/erp-connection/test').set(auth(m.key)).send({}).expect(409);
  });

  it('only the admin: merchandiser and ops keys get 403 on every route, and change nothing', async () => {
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    const before = await rowOf(adminA.merchantId);
    for (const key of [merchandiserA, opsA]) {
      await http().get('/erp-connection').set(auth(key)).expect(403);
      await http().put('/erp-connection').set(auth(key)).send(generic({ baseUrl: 'https://evil.example.com' })).expect(403);
      await http().post('/erp-connection/test').set(auth(key)).send({ send: true }).expect(403);
    }
    await http().get('/erp-connection').expect(401);
    expect(await rowOf(adminA.merchantId)).toEqual(before);
    expect(sim.stats().requests).toBe(0);
  });

  it("merchant B can neither read nor change A's connection: B's calls only ever touch B's own", async () => {
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    const before = await rowOf(adminA.merchantId);
    // there is no merchant id in the route: B's GET shows B's, B's PUT writes B's
    const get = await http().get('/erp-connection').set(auth(adminB.key)).expect(200);
    expect(get.body.merchantId).toBe(adminB.merchantId);
    expect(get.body.baseUrl).not.toBe(sim.url);
    // a merchantId smuggled into the body is refused, not used
    const smuggled = await http().put('/erp-connection').set(auth(adminB.key)).send(generic({ merchantId: adminA.merchantId, secret: SECRET_B })).expect(400);
    expect(JSON.stringify(smuggled.body.message)).toContain('merchantId');
    await http().put('/erp-connection').set(auth(adminB.key)).send(generic({ baseUrl: 'https://erp-b.example.com', secret: SECRET_B })).expect(200);
    expect(await rowOf(adminA.merchantId)).toEqual(before);
    expect((await h.app.get(ErpConnectionDirectory).get(adminA.merchantId))?.secrets.secret).toBe(SECRET_A);
    expect((await http().get('/erp-connection').set(auth(adminA.key)).expect(200)).body.baseUrl).toBe(sim.url);
  });

  it('test (dry run) shows the exact signed request of the generic protocol; nothing is sent', async () => {
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    const res = await http().post('/erp-connection/test').set(auth(adminA.key)).send({}).expect(200);
    expect(res.body).toMatchObject({ connector: 'generic-http', sent: false, response: null, request: { method: 'POST', url: `${sim.url}/orders` } });
    const { headers, body } = res.body.request;
    expect(headers['X-Omnisync-Timestamp']).toMatch(/^\d{10}$/);
    expect(headers['X-Omnisync-Signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(headers['Content-Type']).toBe('application/json');
    const parsed = JSON.parse(body);
    expect(parsed.orders).toHaveLength(1);
    expect(headers['Idempotency-Key']).toBe(parsed.orders[0].idempotencyKey);
    // an ERP holding the secret verifies it exactly as libs/erp/README.md §1.1 says; a wrong secret does not
    expect(verifyGenericSignature(SECRET_A, headers['X-Omnisync-Timestamp'], body, headers['X-Omnisync-Signature'])).toBe(true);
    expect(verifyGenericSignature(SECRET_B, headers['X-Omnisync-Timestamp'], body, headers['X-Omnisync-Signature'])).toBe(false);
    expect(sim.stats().requests).toBe(0);
    noSecretIn(res.body);
  });

  it('test with send: the ERP simulator verifies the signature and answers 200', async () => {
    await http().put('/erp-connection').set(auth(adminA.key)).send(generic()).expect(200);
    const res = await http().post('/erp-connection/test').set(auth(adminA.key)).send({ send: true }).expect(200);
    expect(res.body).toMatchObject({ sent: true, response: { status: 200, ok: true, error: null } });
    expect(res.body.response.excerpt.length).toBeLessThanOrEqual(200);
    expect(sim.stats()).toMatchObject({ ordersCreated: 1, rejected: { signature: 0 } });
    noSecretIn(res.body);
  });

  it('test with send and a wrong secret: the status (401) and our code, a short excerpt, no secret', async () => {
    await http().put('/erp-connection').set(auth(adminB.key)).send(generic({ secret: SECRET_B })).expect(200);
    const res = await http().post('/erp-connection/test').set(auth(adminB.key)).send({ send: true }).expect(200);
    expect(res.body).toMatchObject({ sent: true, response: { status: 401, ok: false, error: 'auth_revoked' } });
    expect(res.body.response.excerpt.length).toBeLessThanOrEqual(200);
    expect(sim.stats().rejected.signature).toBe(1);
    noSecretIn(res.body);
  });

  it('jushuitan: test-send masks the access token in the shown form body and the simulator accepts it', async () => {
    const m = await h.keyFor(`ERP jst ${Date.now()}`, ['admin']);
    await http()
      .put('/erp-connection')
      .set(auth(m.key))
      .send({ connector: 'jushuitan', baseUrl: sim.url, appKey: 'jst-ak', appSecret: JST_APP_SECRET, accessToken: JST_TOKEN, shopIdMap: { x: 10086 } })
      .expect(200);
    const res = await http().post('/erp-connection/test').set(auth(m.key)).send({ send: true }).expect(200);
    expect(res.body.request.url).toBe(`${sim.url}/open/jushuitan/orders/upload`);
    const form = new URLSearchParams(res.body.request.body);
    expect(form.get('access_token')).toBe('[redacted]');
    expect(form.get('sign')).toMatch(/^[0-9a-f]{32}$/);
    expect(res.body.response).toMatchObject({ status: 200, ok: true });
    noSecretIn(res.body);
  });

  it('400 for a bad send flag', async () => {
    const res = await http().post('/erp-connection/test').set(auth(adminA.key)).send({ send: 'yes' }).expect(400);
    expect(JSON.stringify(res.body.message)).toContain('send');
  });

  it('no secret reached the logs', () => {
    expect(h.logs.text()).not.toMatch(/NEVER-SHOWN/);
  });
});
