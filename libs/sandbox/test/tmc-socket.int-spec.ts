import { OutboundPolicy } from '@app/net';
import { startSimulator, type TaobaoSimulator } from '@app/sandbox';
import { TaobaoTmcSocket, tmcSocketUrl } from '@app/platforms/taobao/taobao.tmc-socket';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { waitFor } from './helpers';

describe('taobao TMC over WebSocket (simulator + the adapter client)', () => {
  let sim: TaobaoSimulator;
  const sockets: TaobaoTmcSocket[] = [];
  const open = (secret?: string, group = 'default', outbound: OutboundPolicy = testOutboundPolicy()) => {
    const shop = sim.shop();
    const s = new TaobaoTmcSocket({ appKey: shop.appKey, appSecret: secret ?? shop.appSecret, baseUrl: sim.url }, group, {
      url: tmcSocketUrl(sim.url),
      outbound,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
    }).start();
    sockets.push(s);
    return s;
  };
  const queue = () => (sim.extraStats().tmc as Record<string, { confirmed: number; redelivered: number; inFlight: number; ready: number }>)[sim.shop().appKey];

  beforeEach(async () => {
    sim = await startSimulator('taobao', { qps: null, tmcRedeliverAfterMs: 300 });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) await s.close();
    await sim.close();
  });

  it('handshakes, gets a message pushed the moment it is published, and confirms it over the socket', async () => {
    const s = open();
    await waitFor(() => s.up, 3000, 'handshake');
    const t0 = Date.now();
    const order = sim.generator.makeOne()!;
    await s.waitForMessages(2000);
    const elapsed = Date.now() - t0;
    const [m] = s.take(10);
    expect(elapsed).toBeLessThan(100); // pushed, not polled
    expect(m).toMatchObject({ platform: 'taobao', topic: 'taobao_trade_TradeBuyerPay', kind: 'order', platformOrderId: order.orderId, platformShopId: sim.shop().platformShopId });
    expect(m.paidAt).not.toBeNull();
    expect(s.confirm([m.messageId, 'not-delivered-here'])).toEqual([m.messageId]);
    await waitFor(() => queue().confirmed === 1, 2000, 'confirm applied');
    expect(queue()).toMatchObject({ inFlight: 0, ready: 0 });
  });

  it('redelivers an unconfirmed message over the socket after the timeout, and after a reconnect', async () => {
    const s = open();
    await waitFor(() => s.up, 3000, 'handshake');
    sim.generator.makeOne();
    await s.waitForMessages(2000);
    const [first] = s.take(10);
    // not confirmed: back after tmcRedeliverAfterMs, on the same connection
    const again = await waitFor(() => s.take(10)[0], 3000, 'redelivery');
    expect(again.messageId).toBe(first.messageId);
    // the connection drops (a crash before the commit): a new one gets it again
    await s.close();
    const s2 = open();
    const third = await waitFor(() => s2.take(10)[0], 3000, 'redelivery after reconnect');
    expect(third.messageId).toBe(first.messageId);
    expect(s2.confirm([third.messageId])).toEqual([third.messageId]);
    await waitFor(() => queue().confirmed === 1, 2000, 'confirmed');
    expect(queue().redelivered).toBeGreaterThanOrEqual(2);
  });

  it('refuses a CONNECT with a bad sign (and keeps refusing the retries)', async () => {
    const s = open('wrong-secret');
    await waitFor(() => s.stats.refused >= 2, 3000, 'refusals');
    expect(s.up).toBe(false);
    expect(s.lastError).toMatch(/handshake refused: 25 Invalid signature/);
    expect(sim.tmcSocket.snapshot()).toMatchObject({ handshakes: 0, connections: 0 });
    sim.generator.makeOne();
    expect(queue()).toMatchObject({ ready: 1, inFlight: 0 }); // nothing pushed to a refused connection
  });

  it('goes down with the service (upgrades refused) and comes back by itself', async () => {
    const s = open();
    await waitFor(() => s.up, 3000, 'handshake');
    sim.tmcSocket.setDown(true);
    await waitFor(() => !s.up, 2000, 'down');
    sim.generator.makeOne();
    await new Promise((r) => setTimeout(r, 300));
    expect(s.up).toBe(false);
    expect(s.take(10)).toEqual([]);
    sim.tmcSocket.setDown(false);
    const m = await waitFor(() => s.take(10)[0], 3000, 'message after reconnect');
    expect(m.topic).toBe('taobao_trade_TradeBuyerPay');
  });

  it("the simulator's down fault takes the message service down with the API", async () => {
    const s = open();
    await waitFor(() => s.up, 3000, 'handshake');
    sim.setFaults({ down: '503' });
    await waitFor(() => !s.up, 2000, 'down with the platform');
    await new Promise((r) => setTimeout(r, 200));
    expect(s.up).toBe(false);
    sim.resetFaults();
    await waitFor(() => s.up, 3000, 'back');
  });

  it('connects through the outbound URL policy: a loopback simulator without an allowance is refused', async () => {
    const s = open(undefined, 'default', new OutboundPolicy());
    await waitFor(() => s.lastError !== null, 2000, 'refusal');
    expect(s.lastError).toMatch(/outbound URL policy/);
    expect(s.up).toBe(false);
  });
});
