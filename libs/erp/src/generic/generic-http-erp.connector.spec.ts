import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { UpstreamError } from '@app/contracts';
import { OutboundPolicy } from '@app/net';
import { envelope } from '../testing/erp-fixtures';
import { GenericHttpErpConnector } from './generic-http-erp.connector';
import { verifyGenericSignature } from './generic-signature';

const BASE = 'http://erp.generic.test';
const SECRET = 'unit-secret';

function connector(extra: Partial<ConstructorParameters<typeof GenericHttpErpConnector>[0]> = {}) {
  return new GenericHttpErpConnector({ baseUrl: BASE, secret: SECRET, timeoutMs: 1000, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

describe('GenericHttpErpConnector', () => {
  let c: GenericHttpErpConnector;
  afterEach(() => {
    c?.onModuleDestroy();
    nock.cleanAll();
  });
  // nock patches node:http for the whole jest worker: deactivate it so the next suite in this worker gets its own
  afterAll(() => nock.restore());

  it('posts a signed batch and maps per-order results', async () => {
    c = connector();
    const orders = [envelope(1), envelope(2), envelope(3)];
    let seen: { headers: Record<string, unknown>; raw: string } | undefined;
    nock(BASE)
      .post('/orders')
      .reply(function (_uri, body) {
        seen = { headers: this.req.headers, raw: typeof body === 'string' ? body : JSON.stringify(body) };
        return [
          200,
          {
            results: [
              { idempotencyKey: orders[2].idempotencyKey, erpOrderId: 'E3', duplicate: true },
              { idempotencyKey: orders[0].idempotencyKey, erpOrderId: 'E1', duplicate: false },
              { idempotencyKey: orders[1].idempotencyKey, error: { code: 'unknown_sku', message: 'no such SKU', retryable: false } },
            ],
          },
        ];
      });

    const results = await c.pushOrders(orders);

    expect(seen).toBeDefined();
    const ts = String(seen!.headers['x-omnisync-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifyGenericSignature(SECRET, ts, seen!.raw, String(seen!.headers['x-omnisync-signature']))).toBe(true);
    expect(seen!.headers['idempotency-key']).toBeUndefined(); // batch: keys travel per order
    const sent = JSON.parse(seen!.raw);
    expect(sent.orders).toHaveLength(3);
    expect(sent.orders[0]).toEqual({ idempotencyKey: orders[0].idempotencyKey, orderId: orders[0].orderId, version: 1, order: orders[0].order });

    expect(results[0]).toEqual({ idempotencyKey: orders[0].idempotencyKey, ok: true, erpOrderId: 'E1', duplicate: false });
    expect(results[2]).toEqual({ idempotencyKey: orders[2].idempotencyKey, ok: true, erpOrderId: 'E3', duplicate: true });
    expect(results[1].ok).toBe(false);
    const err = (results[1] as { error: UpstreamError }).error;
    expect(err.kind).toBe('invalid_request');
    expect(err.details.code).toBe('unknown_sku');
  });

  it('passes on the time the ERP says it accepted an order, and ignores one that is not a time', async () => {
    c = connector();
    const orders = [envelope(1), envelope(2)];
    nock(BASE)
      .post('/orders')
      .reply(200, {
        results: [
          { idempotencyKey: orders[0].idempotencyKey, erpOrderId: 'E1', duplicate: true, acceptedAt: '2026-05-01T08:00:01.250+08:00' },
          { idempotencyKey: orders[1].idempotencyKey, erpOrderId: 'E2', duplicate: false, acceptedAt: 'yesterday' },
        ],
      });
    const results = await c.pushOrders(orders);
    expect(results).toEqual([
      { idempotencyKey: orders[0].idempotencyKey, ok: true, erpOrderId: 'E1', duplicate: true, acceptedAt: '2026-05-01T00:00:01.250Z' },
      { idempotencyKey: orders[1].idempotencyKey, ok: true, erpOrderId: 'E2', duplicate: false },
    ]);
  });

  it('sends Idempotency-Key on single-order calls and reports a missing result as retryable', async () => {
    c = connector();
    const o = envelope(9);
    let key: unknown;
    nock(BASE)
      .post('/orders')
      .reply(function () {
        key = this.req.headers['idempotency-key'];
        return [200, { results: [] }];
      });
    const [r] = await c.pushOrders([o]);
    expect(key).toBe(o.idempotencyKey);
    expect(r.ok).toBe(false);
    expect((r as { error: UpstreamError }).error.kind).toBe('retryable');
  });

  it('refuses a batch above maxBatch without calling the ERP', async () => {
    c = connector({ maxBatch: 2 });
    expect(c.maxBatch).toBe(2);
    const e = await rejection(c.pushOrders([envelope(1), envelope(2), envelope(3)]));
    expect(e.kind).toBe('invalid_request');
  });

  it.each([
    [500, 'retryable'],
    [503, 'retryable'],
    [408, 'retryable'],
    [401, 'auth_revoked'],
    [403, 'auth_revoked'],
    [400, 'invalid_request'],
    [422, 'invalid_request'],
  ] as const)('maps HTTP %i to %s', async (status, kind) => {
    c = connector();
    nock(BASE).post('/orders').reply(status, { error: { code: 'x', message: 'nope', retryable: false } });
    const e = await rejection(c.pushOrders([envelope(1)]));
    expect(e.kind).toBe(kind);
    expect(e.details.status).toBe(status);
  });

  it('maps 429 to rate_limited with Retry-After in ms', async () => {
    c = connector();
    nock(BASE).post('/orders').reply(429, {}, { 'Retry-After': '7' });
    const e = await rejection(c.pushOrders([envelope(1)]));
    expect(e.kind).toBe('rate_limited');
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBe(7000);
  });

  it('maps timeouts to retryable', async () => {
    c = connector({ timeoutMs: 50 });
    nock(BASE).post('/orders').delay(300).reply(200, { results: [] });
    const t = await rejection(c.pushOrders([envelope(1)]));
    expect(t.kind).toBe('retryable');
    expect(t.message).toMatch(/timeout/);
  });

  it('maps network errors (connection refused) to retryable', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    c = connector({ baseUrl: `http://127.0.0.1:${port}`, outbound: new OutboundPolicy({ allowHosts: [`127.0.0.1:${port}`] }) });
    const n = await rejection(c.pushOrders([envelope(2)]));
    expect(n.kind).toBe('retryable');
    expect(n.message).toMatch(/network/);
  });

  describe('outbound policy and bounds', () => {
    it('refuses an internal address by default, before any request (invalid_request naming why)', async () => {
      let hits = 0;
      const srv = createServer((_q, r) => {
        hits++;
        r.end('{}');
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      const port = (srv.address() as AddressInfo).port;
      try {
        for (const baseUrl of [`http://127.0.0.1:${port}`, `http://0x7f000001:${port}`, 'http://169.254.169.254', `http://[::ffff:127.0.0.1]:${port}`]) {
          c = connector({ baseUrl });
          const e = await rejection(c.pushOrders([envelope(1)]));
          expect(e.kind).toBe('invalid_request');
          expect(e.details.code).toBe('outbound_url_refused');
          expect(e.message).toMatch(/^erp: invalid_request: outbound URL refused for erp: .* is (a loopback|a link-local|an IPv4-mapped)/);
          c.onModuleDestroy();
        }
      } finally {
        await new Promise<void>((r) => srv.close(() => r()));
      }
      expect(hits).toBe(0);
    });

    it('bounds the response size (invalid_request, response_too_large)', async () => {
      c = connector({ maxResponseBytes: 1024 });
      nock(BASE).post('/orders').reply(200, { results: [], padding: 'x'.repeat(4096) });
      const e = await rejection(c.pushOrders([envelope(1)]));
      expect(e.kind).toBe('invalid_request');
      expect(e.details.code).toBe('response_too_large');
      expect(e.message).toBe('erp: invalid_request: response larger than 1024 bytes');
    });

    it('keeps the upstream body out of the message and bounds what it quotes', async () => {
      c = connector();
      nock(BASE).post('/orders').reply(500, 'redis_version:7.2.4 requirepass=CANARY-SECRET-BODY');
      const e = await rejection(c.pushOrders([envelope(1)]));
      expect(e.message).toBe('erp: retryable: HTTP 500');
      expect(e.message).not.toContain('CANARY');

      nock(BASE).post('/orders').reply(400, { error: { code: 'bad', message: `line one\nline two ${'z'.repeat(5000)}`, retryable: false } });
      const long = await rejection(c.pushOrders([envelope(2)]));
      expect(long.message.length).toBeLessThanOrEqual('erp: invalid_request: '.length + 200);
      expect(long.message).toMatch(/^erp: invalid_request: HTTP 400: line one line two z+…$/);
    });
  });

  it('opens the breaker after repeated 5xx and then fails fast without an HTTP call', async () => {
    c = connector({ breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } });
    nock(BASE).post('/orders').times(3).reply(502, {});
    for (let i = 0; i < 3; i++) expect((await rejection(c.pushOrders([envelope(i)]))).kind).toBe('retryable');

    const untouched = nock(BASE).post('/orders').reply(200, { results: [] });
    const e = await rejection(c.pushOrders([envelope(4)]));
    expect(e.kind).toBe('circuit_open');
    expect(e.retryAfterMs).toBeGreaterThan(50_000);
    expect(untouched.isDone()).toBe(false);
  });

  it('does not trip the breaker on 4xx', async () => {
    c = connector({ breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } });
    nock(BASE).post('/orders').times(4).reply(400, {});
    for (let i = 0; i < 4; i++) expect((await rejection(c.pushOrders([envelope(i)]))).kind).toBe('invalid_request');
    nock(BASE).post('/orders').reply(200, { results: [{ idempotencyKey: envelope(5).idempotencyKey, erpOrderId: 'E5', duplicate: false }] });
    const [r] = await c.pushOrders([envelope(5)]);
    expect(r.ok).toBe(true);
  });

  it('intercepts with a signed single-order call and maps an error body', async () => {
    c = connector();
    const o = envelope(1);
    let seen: { key: unknown; body: Record<string, unknown> } | undefined;
    nock(BASE)
      .post('/orders/intercept')
      .reply(function (_uri, body) {
        seen = { key: this.req.headers['idempotency-key'], body: (typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown> };
        return [200, { ok: true }];
      });
    await expect(c.intercept({ orderId: o.orderId, idempotencyKey: 'icpt-1', order: o.order, reason: 'refund_requested' })).resolves.toEqual({ ok: true });
    expect(seen?.key).toBe('icpt-1');
    expect(seen?.body.reason).toBe('refund_requested');

    nock(BASE).post('/orders/intercept').reply(200, { error: { code: 'already_shipped', message: 'too late', retryable: false } });
    const r = await c.intercept({ orderId: o.orderId, idempotencyKey: 'icpt-2', order: o.order, reason: 'cancelled' });
    expect(r.ok).toBe(false);
    expect((r as { error: UpstreamError }).error.details.code).toBe('already_shipped');
  });

  it('posts shipment notices with a derived idempotency key and throws mapped errors', async () => {
    c = connector();
    let key: unknown;
    nock(BASE)
      .post('/shipments/notices', (b: Record<string, unknown>) => b.outcome === 'shipped' && b.platformOrderId === 'P1')
      .reply(function () {
        key = this.req.headers['idempotency-key'];
        return [200, { ok: true }];
      });
    await c.notifyShipment({ orderId: 'o-1', platformOrderId: 'P1', outcome: 'shipped', message: 'SF123' });
    expect(key).toBe('shipment-o-1-shipped');

    nock(BASE).post('/shipments/notices').reply(503, {});
    const e = await rejection(c.notifyShipment({ orderId: 'o-1', platformOrderId: 'P1', outcome: 'failed', message: 'x' }));
    expect(e.kind).toBe('retryable');
  });
});
