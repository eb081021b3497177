import axios from 'axios';
import nock from 'nock';
import { UpstreamError } from '@app/contracts';
import { GenericHttpErpConnector, signGenericRequest } from '@app/erp';
import { envelope } from '@app/erp/testing/erp-fixtures';
import { startErpSimulator, type ErpSimulator } from '../src/erp';
import { testOutboundPolicy } from '@app/testing/outbound-policy';

const SECRET = 'int-generic-secret';

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('GenericHttpErpConnector against the ERP simulator', () => {
  let sim: ErpSimulator;
  let erp: GenericHttpErpConnector;

  beforeAll(async () => {
    sim = await startErpSimulator({ port: 0, secret: SECRET, maxBodyBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await sim.close();
    // jest.setup's nock patches node:http for the whole worker: release it for the next suite in this worker
    nock.restore();
  });
  beforeEach(() => {
    sim.reset();
    sim.setFaults({ latencyMs: 0, errorRate: 0, down: false });
    erp = new GenericHttpErpConnector({ baseUrl: sim.url, secret: SECRET, timeoutMs: 2000, outbound: testOutboundPolicy() });
  });
  afterEach(() => erp.onModuleDestroy());

  it('delivers a batch and records each order with its first-ack time', async () => {
    const before = Date.now();
    const batch = Array.from({ length: 20 }, (_, i) => envelope(i + 1));
    const results = await erp.pushOrders(batch);

    expect(results.every((r) => r.ok && !r.duplicate)).toBe(true);
    const ids = new Set(results.map((r) => (r.ok ? r.erpOrderId : '')));
    expect(ids.size).toBe(20);
    expect(sim.stats()).toMatchObject({ ordersReceived: 20, ordersCreated: 20, duplicates: 0 });
    const recorded = sim.orders();
    expect(recorded).toHaveLength(20);
    const first = recorded.find((o) => o.orderId === batch[0].orderId)!;
    expect(first).toMatchObject({ protocol: 'generic', platform: 'douyin', platformOrderId: batch[0].order.platformOrderId, keys: [batch[0].idempotencyKey] });
    expect(first.firstAckAt).toBeGreaterThanOrEqual(before);
    expect(first.firstAckAt).toBeLessThanOrEqual(Date.now());
  });

  it('answers a re-delivery with the same ERP order id, flags and counts it, never creates a second order', async () => {
    const batch = [envelope(1), envelope(2), envelope(3)];
    const first = await erp.pushOrders(batch);
    const again = await erp.pushOrders(batch);
    expect(again.map((r) => r.ok && r.duplicate)).toEqual([true, true, true]);
    expect(again.map((r) => (r.ok ? r.erpOrderId : null))).toEqual(first.map((r) => (r.ok ? r.erpOrderId : null)));

    // every answer says when the ERP first accepted the order: a re-delivery and a new version too
    const acceptedAt = new Date(sim.orders().find((o) => o.orderId === batch[0].orderId)!.firstAckAt).toISOString();
    expect([first[0], again[0]]).toEqual([expect.objectContaining({ acceptedAt }), expect.objectContaining({ acceptedAt })]);
    const [v2] = await erp.pushOrders([envelope(1, 2, { status: 'shipped' })]);
    expect(v2).toMatchObject({ ok: true, duplicate: false, erpOrderId: (first[0] as { erpOrderId: string }).erpOrderId, acceptedAt });

    expect(sim.stats()).toMatchObject({ ordersCreated: 3, duplicates: 3, updates: 1 });
    expect(sim.orders()).toHaveLength(3);
    expect(sim.orders().find((o) => o.orderId === batch[0].orderId)).toMatchObject({ status: 'shipped', version: 2, deliveries: 3 });

    // a late older version is acknowledged but does not overwrite the newer one
    await erp.pushOrders([envelope(1, 4, { status: 'completed' })]);
    const [late] = await erp.pushOrders([envelope(1, 3, { status: 'refunding' })]);
    expect(late.ok).toBe(true);
    expect(sim.orders().find((o) => o.orderId === batch[0].orderId)).toMatchObject({ status: 'completed', version: 4 });
  });

  it('rejects a bad signature and records nothing', async () => {
    const wrong = new GenericHttpErpConnector({ baseUrl: sim.url, secret: 'not-the-secret', timeoutMs: 2000, outbound: testOutboundPolicy() });
    try {
      const e = await rejection(wrong.pushOrders([envelope(1)]));
      expect(e.kind).toBe('auth_revoked');
      expect(e.details.status).toBe(401);
    } finally {
      wrong.onModuleDestroy();
    }
    expect(sim.orders()).toHaveLength(0);
    expect(sim.stats()).toMatchObject({ ordersReceived: 0, rejected: { signature: 1 } });
  });

  it('requires an idempotency key per order', async () => {
    const raw = JSON.stringify({ orders: [{ orderId: 'x', version: 1, order: envelope(1).order }] });
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await axios.post(`${sim.url}/orders`, raw, {
      headers: { 'Content-Type': 'application/json', 'X-Omnisync-Timestamp': ts, 'X-Omnisync-Signature': signGenericRequest(SECRET, ts, raw) },
    });
    expect(res.data.results[0].error).toMatchObject({ code: 'missing_idempotency_key', retryable: false });
    expect(sim.orders()).toHaveLength(0);
  });

  it('is down (503 -> retryable) and comes back by itself after downForMs', async () => {
    sim.setFaults({ down: true });
    const e = await rejection(erp.pushOrders([envelope(1)]));
    expect(e).toMatchObject({ kind: 'retryable', retryable: true });
    expect(e.details.status).toBe(503);
    expect(sim.orders()).toHaveLength(0);

    sim.setFaults({ downForMs: 300 });
    expect((await rejection(erp.pushOrders([envelope(1)]))).kind).toBe('retryable');
    await waitFor(async () => {
      const res = await axios.post(`${sim.url}/orders`, '{}', { validateStatus: () => true });
      return res.status !== 503;
    });
    const [r] = await erp.pushOrders([envelope(1)]);
    expect(r.ok).toBe(true);
    expect(sim.stats().injected.down).toBeGreaterThanOrEqual(2);
  });

  it('injects latency, and a connector timeout below it is a retryable error', async () => {
    sim.setFaults({ latencyMs: 400 });
    const t0 = Date.now();
    const [r] = await erp.pushOrders([envelope(1)]);
    expect(r.ok).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);

    const impatient = new GenericHttpErpConnector({ baseUrl: sim.url, secret: SECRET, timeoutMs: 100, outbound: testOutboundPolicy() });
    try {
      const e = await rejection(impatient.pushOrders([envelope(2)]));
      expect(e.kind).toBe('retryable');
      expect(e.message).toMatch(/timeout/);
      // the ERP still finishes the request after the client gave up (why every push carries an idempotency key);
      // wait for it here so it cannot land in a later test after that test's reset
      await waitFor(() => sim.orders().some((o) => o.orderId === envelope(2).orderId));
    } finally {
      impatient.onModuleDestroy();
    }
  });

  it('injects errors (errorRate 1 -> 500 retryable) and refuses oversize bodies (413 -> invalid_request)', async () => {
    sim.setFaults({ errorRate: 1 });
    expect((await rejection(erp.pushOrders([envelope(1)]))).details.status).toBe(500);
    expect(sim.stats().injected.errors).toBe(1);
    sim.setFaults({ errorRate: 0 });

    const huge = envelope(2, 1, { buyer: { nickMasked: 'x'.repeat(70 * 1024), receiverMasked: null, phoneMasked: null, addressMasked: null } });
    const e = await rejection(erp.pushOrders([huge]));
    expect(e.kind).toBe('invalid_request');
    expect(e.details.status).toBe(413);
    expect(sim.stats().rejected.tooLarge).toBe(1);
  });

  it('records interceptions and shipment notices once per idempotency key', async () => {
    const o = envelope(1);
    await erp.pushOrders([o]);
    const req = { orderId: o.orderId, idempotencyKey: `${o.orderId}-intercept-1`, order: o.order, reason: 'refund_requested' as const };
    await expect(erp.intercept(req)).resolves.toEqual({ ok: true });
    await expect(erp.intercept(req)).resolves.toEqual({ ok: true });
    await erp.notifyShipment({ orderId: o.orderId, platformOrderId: o.order.platformOrderId, outcome: 'shipped', message: 'SF1' });
    await erp.notifyShipment({ orderId: o.orderId, platformOrderId: o.order.platformOrderId, outcome: 'shipped', message: 'SF1' });

    expect(sim.stats()).toMatchObject({ intercepts: 1, interceptDuplicates: 1, shipmentNotices: 1, shipmentNoticeDuplicates: 1 });
    expect(sim.orders()[0].intercepted).toBe('refund_requested');
    expect(sim.shipmentNotices()).toHaveLength(1);
  });

  it('exposes stats, orders, faults and reset over the admin API', async () => {
    await erp.pushOrders([envelope(1), envelope(2)]);
    const stats = await axios.get(`${sim.url}/__admin/stats`);
    expect(stats.data).toMatchObject({ ordersCreated: 2 });
    const orders = await axios.get(`${sim.url}/__admin/orders`);
    expect(orders.data.orders).toHaveLength(2);
    expect(typeof orders.data.orders[0].firstAckAt).toBe('number');

    await axios.post(`${sim.url}/__admin/faults`, { down: true });
    expect((await rejection(erp.pushOrders([envelope(3)]))).details.status).toBe(503);
    await axios.post(`${sim.url}/__admin/faults`, { down: false });
    await axios.post(`${sim.url}/__admin/reset`);
    expect((await axios.get(`${sim.url}/__admin/stats`)).data).toMatchObject({ ordersCreated: 0, requests: 0 });
    expect(sim.orders()).toHaveLength(0);
  });
});
