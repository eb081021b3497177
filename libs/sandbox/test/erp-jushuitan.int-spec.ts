import axios from 'axios';
import nock from 'nock';
import { UpstreamError } from '@app/contracts';
import { JST_ORDERS_UPLOAD_PATH, JushuitanErpConnector } from '@app/erp';
import { envelope } from '@app/erp/testing/erp-fixtures';
import { jushuitanSign } from '@app/platforms';
import { startErpSimulator, type ErpSimulator } from '../src/erp';
import { testOutboundPolicy } from '@app/testing/outbound-policy';

const JST = { appKey: 'int-jst-key', appSecret: 'int-jst-secret', accessToken: 'int-jst-token' };

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

describe('JushuitanErpConnector against the ERP simulator', () => {
  let sim: ErpSimulator;
  let erp: JushuitanErpConnector;
  const others: JushuitanErpConnector[] = [];
  const make = (over: Partial<typeof JST> & { timeoutMs?: number } = {}) => {
    const c = new JushuitanErpConnector({ baseUrl: sim.url, ...JST, timeoutMs: 2000, outbound: testOutboundPolicy(), ...over });
    others.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await startErpSimulator({ port: 0, secret: 'unused', jushuitan: JST });
  });
  afterAll(async () => {
    await sim.close();
    // jest.setup's nock patches node:http for the whole worker: release it for the next suite in this worker
    nock.restore();
  });
  beforeEach(() => {
    sim.reset();
    sim.setFaults({ latencyMs: 0, errorRate: 0, down: false });
    erp = make();
  });
  afterEach(() => {
    for (const c of others.splice(0)) c.onModuleDestroy();
  });

  it('uploads a batch: one ERP order (o_id) per (shop_id, so_id), first-ack time recorded', async () => {
    const before = Date.now();
    const batch = Array.from({ length: 20 }, (_, i) => envelope(i + 1));
    const results = await erp.pushOrders(batch);
    expect(results.every((r) => r.ok && !r.duplicate && /^\d+$/.test(r.erpOrderId))).toBe(true);
    expect(sim.stats()).toMatchObject({ ordersReceived: 20, ordersCreated: 20, duplicates: 0 });
    const rec = sim.orders().find((o) => o.platformOrderId === batch[0].order.platformOrderId)!;
    expect(rec).toMatchObject({ protocol: 'jushuitan', shopId: '7001', status: 'WAIT_SELLER_SEND_GOODS', keys: [batch[0].idempotencyKey] });
    expect(rec.paidAt).toBe('2024-05-29 10:00:05');
    expect(rec.firstAckAt).toBeGreaterThanOrEqual(before);
  });

  it('dedupes re-uploads by (shop_id, so_id) and counts them; a new version updates the same o_id', async () => {
    const batch = [envelope(1), envelope(2)];
    const first = await erp.pushOrders(batch);
    const again = await erp.pushOrders(batch);
    expect(again.map((r) => r.ok && r.duplicate)).toEqual([true, true]);
    expect(again.map((r) => (r.ok ? r.erpOrderId : null))).toEqual(first.map((r) => (r.ok ? r.erpOrderId : null)));

    const [v2] = await erp.pushOrders([envelope(1, 2, { status: 'shipped' })]);
    expect(v2).toMatchObject({ ok: true, duplicate: false, erpOrderId: (first[0] as { erpOrderId: string }).erpOrderId });
    expect(sim.stats()).toMatchObject({ ordersCreated: 2, duplicates: 2, updates: 1 });
    expect(sim.orders()).toHaveLength(2);
  });

  it('rejects a bad sign (code 10) and records nothing', async () => {
    const e = await rejection(make({ appSecret: 'wrong' }).pushOrders([envelope(1)]));
    expect(e).toMatchObject({ kind: 'invalid_request', retryable: false });
    expect(e.details.code).toBe('10');
    expect(sim.orders()).toHaveLength(0);
    expect(sim.stats()).toMatchObject({ ordersReceived: 0, rejected: { signature: 1 } });
  });

  it('rejects an unknown token (code 100 -> auth_expired)', async () => {
    const e = await rejection(make({ accessToken: 'stale' }).pushOrders([envelope(1)]));
    expect(e.kind).toBe('auth_expired');
    expect(sim.orders()).toHaveLength(0);
  });

  it('rejects a timestamp more than 15 minutes off (code 140)', async () => {
    const form: Record<string, string> = {
      app_key: JST.appKey,
      access_token: JST.accessToken,
      timestamp: String(Math.floor(Date.now() / 1000) - 16 * 60),
      charset: 'utf-8',
      version: '2',
      biz: '[]',
    };
    form.sign = jushuitanSign(form, JST.appSecret);
    const res = await axios.post(`${sim.url}${JST_ORDERS_UPLOAD_PATH}`, new URLSearchParams(form).toString());
    expect(res.data.code).toBe(140);
    expect(sim.stats().rejected.timestamp).toBe(1);
  });

  it('applies its per-second rate limit (code 199 -> rate_limited, 1 s)', async () => {
    const limited = await startErpSimulator({ port: 0, secret: 'unused', jushuitan: { ...JST, rateLimitPerSec: 1 } });
    const c = new JushuitanErpConnector({ baseUrl: limited.url, ...JST, timeoutMs: 2000, outbound: testOutboundPolicy() });
    try {
      const outcomes = await Promise.allSettled([1, 2, 3].map((i) => c.pushOrders([envelope(i)])));
      const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as UpstreamError);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused[0]).toMatchObject({ kind: 'rate_limited' });
      expect(refused[0].retryAfterMs).toBe(1000);
      expect(limited.stats().rejected.rateLimited).toBe(refused.length);
    } finally {
      c.onModuleDestroy();
      await limited.close();
    }
  });

  it('is down (503 -> retryable), then serves again', async () => {
    sim.setFaults({ down: true });
    const e = await rejection(erp.pushOrders([envelope(1)]));
    expect(e).toMatchObject({ kind: 'retryable' });
    expect(e.details.status).toBe(503);
    sim.setFaults({ down: false });
    expect((await erp.pushOrders([envelope(1)]))[0].ok).toBe(true);
  });

  it('injects latency; a shorter connector timeout is a retryable error', async () => {
    sim.setFaults({ latencyMs: 400 });
    const t0 = Date.now();
    expect((await erp.pushOrders([envelope(1)]))[0].ok).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    const e = await rejection(make({ timeoutMs: 100 }).pushOrders([envelope(2)]));
    expect(e.kind).toBe('retryable');
    // the ERP still finishes the abandoned request: wait for it so it cannot land in the next test after its reset
    const late = envelope(2).order.platformOrderId;
    for (let i = 0; i < 100 && !sim.orders().some((o) => o.platformOrderId === late); i++) await new Promise((r) => setTimeout(r, 20));
    expect(sim.orders().some((o) => o.platformOrderId === late)).toBe(true);
  });

  it('intercepts by re-uploading the order closed', async () => {
    const o = envelope(1);
    const [pushed] = await erp.pushOrders([o]);
    await expect(erp.intercept({ orderId: o.orderId, idempotencyKey: `${o.orderId}-intercept`, order: o.order, reason: 'cancelled' })).resolves.toEqual({ ok: true });
    expect(sim.orders()).toHaveLength(1);
    expect(sim.orders()[0]).toMatchObject({ erpOrderId: (pushed as { erpOrderId: string }).erpOrderId, status: 'TRADE_CLOSED', intercepted: 'TRADE_CLOSED' });
    expect(sim.stats().intercepts).toBe(1);
  });
});
