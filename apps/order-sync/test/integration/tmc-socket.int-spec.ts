import { Redis } from 'ioredis';
import type { Platform } from '@app/contracts';
import { InboxWriter, PlatformAdapterLookup } from '@app/intake';
import { ShopDirectory, TaobaoAdapter, type PlatformAdapter, type ShopContext } from '@app/platforms';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { testPrefix } from '@app/testing';
import { FakeShopDirectory } from '@app/testing/fakes';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { createSimulatorBackend, type SimulatorBackend } from '../../../../libs/sandbox/test/simulator-backend';
import type { TaobaoSimulator } from '@app/sandbox';
import { DEFAULT_ORDER_SYNC_OPTIONS } from '../../src/order-sync.options';
import { TaobaoTmcSource } from '../../src/tmc/taobao-tmc.source';
import { TmcConsumerService } from '../../src/tmc/tmc-consumer.service';
import { TmcSource } from '../../src/tmc/tmc-source.port';
import { createHarness, FakePortsModule, waitFor, type Harness } from '../harness';

const TB_SHOP = '7a4e1f3c-0000-4000-8000-0000000000d1';
const GROUP = DEFAULT_ORDER_SYNC_OPTIONS.tmcGroupName;

/**
 * The Taobao TMC WebSocket end to end: the real Taobao simulator (its TMC socket and HTTP consume), the real
 * TaobaoAdapter (frame codec, signed CONNECT, outbound policy), TaobaoTmcSource and TmcConsumerService, real
 * Postgres inbox and Redis.
 */
describe('Taobao TMC over the WebSocket, HTTP consume as the fallback', () => {
  let h: Harness;
  let backend: SimulatorBackend;
  let sim: TaobaoSimulator;
  let adapter: PlatformAdapter | null = null;
  let redis: Redis;
  let source: TaobaoTmcSource;
  let appKey: string;
  const confirmSawRows: number[] = [];

  const lookup: PlatformAdapterLookup = {
    get: (p: Platform) => {
      if (p !== 'taobao' || !adapter) throw new Error(`no adapter for ${p}`);
      return adapter;
    },
  };
  const inboxRows = async (messageId: string): Promise<number> =>
    (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox WHERE platform = 'taobao' AND message_id = $1`, [messageId]))[0].n;
  const queue = () => (sim.extraStats().tmc as Record<string, { confirmed: number; inFlight: number; ready: number; redelivered: number }>)[appKey];
  const httpCalls = (method: string) => sim.requests(method).length;
  const consumer = () => h.app.get(TmcConsumerService);
  /** publishes one paid order; returns its TMC message id (the simulator's queue) */
  const publish = () => {
    const order = sim.generator.makeOne()!;
    return order.orderId;
  };
  const messageIdOf = async (orderId: string): Promise<string> => {
    const rows = await h.db.dataSource.query(`SELECT message_id FROM order_sync.inbox WHERE platform = 'taobao' AND platform_order_id = $1`, [orderId]);
    return rows[0]?.message_id;
  };

  beforeAll(async () => {
    backend = await createSimulatorBackend('taobao', { tmcRedeliverAfterMs: 500, products: 3 });
    sim = backend.sim as TaobaoSimulator;
    h = await createHarness({
      extraImports: [
        FakePortsModule.register([
          {
            provide: TmcSource,
            useFactory: (shops: ShopDirectory) => {
              source = new TaobaoTmcSource(lookup, shops, { ...DEFAULT_ORDER_SYNC_OPTIONS, tmcChannel: 'socket' });
              return source;
            },
            inject: [ShopDirectory],
          },
        ]),
      ],
    });
    const shop: ShopContext = { ...backend.shop(), shopId: TB_SHOP };
    appKey = shop.credentials.appKey;
    h.shops.shops.push(shop);
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    adapter = new TaobaoAdapter({
      directory: h.shops,
      breakers: new BreakerRegistry({ requestTimeoutMs: 2000, resetTimeoutMs: 30_000, volumeThreshold: 50 }),
      limiter: new RedisRateLimiter(redis, { keyPrefix: testPrefix('os-tmc-ws'), defaultQps: 1000, maxWaitMs: 0 }),
      options: { timeoutMs: 2000, outbound: testOutboundPolicy() },
    });
    // confirm sees the inbox rows already committed
    const confirm = source.confirm.bind(source);
    source.confirm = async (a, g, ids) => {
      confirmSawRows.push((await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox WHERE platform = 'taobao'`))[0].n);
      return confirm(a, g, ids);
    };
    // the first consume opens the socket (and, while it connects, polls over HTTP)
    await source.consume(appKey, GROUP, 100);
    await waitFor(async () => source.pushing(appKey, GROUP), 5000, 'TMC socket up');
  });
  afterAll(async () => {
    await h.close();
    await backend.close();
    await redis.quit();
  });

  it('a paid order is pushed over the socket, reaches the inbox, and is confirmed over the socket after the commit', async () => {
    const consumesBefore = httpCalls('taobao.tmc.messages.consume');
    const confirmsBefore = httpCalls('taobao.tmc.messages.confirm');
    const orderId = publish();
    await source.waitForPush(appKey, GROUP, 2000);
    expect(await consumer().runOnce(appKey)).toBe(1);
    const messageId = await messageIdOf(orderId);
    expect(await inboxRows(messageId)).toBe(1);
    expect(confirmSawRows.at(-1)).toBeGreaterThanOrEqual(1); // the row was there when confirm ran
    await waitFor(async () => queue().confirmed === 1, 2000, 'confirm applied by the simulator');
    expect(queue()).toMatchObject({ inFlight: 0, ready: 0 });
    // nothing went over HTTP
    expect(httpCalls('taobao.tmc.messages.consume')).toBe(consumesBefore);
    expect(httpCalls('taobao.tmc.messages.confirm')).toBe(confirmsBefore);
    expect(sim.tmcSocket.snapshot()).toMatchObject({ connections: 1, confirmed: 1 });
  });

  it('the consumer loop takes pushes as they come: paid -> inbox well under the 200 ms poll idle', async () => {
    const c = consumer() as unknown as { loops: Promise<void>[]; loop(app: string): Promise<void> };
    c.loops.push(c.loop(appKey)); // the loop onApplicationBootstrap starts per app (background loops are off in the harness)
    const latencies: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = Date.now();
      const orderId = publish();
      await waitFor(async () => (await messageIdOf(orderId)) !== undefined, 3000, `order ${orderId} in the inbox`);
      latencies.push(Date.now() - t0);
      await new Promise((r) => setTimeout(r, 30));
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)];
    // includes this test's own 10 ms DB polling; over HTTP the 200 ms idle alone averages ~100 ms
    expect(median).toBeLessThan(60);
    await waitFor(async () => queue().inFlight === 0 && queue().ready === 0, 3000, 'all confirmed');

    // a burst: rounds overlap (several commits in flight), each message stored once and confirmed
    const burst = Array.from({ length: 120 }, () => publish());
    await waitFor(
      async () => (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox WHERE platform = 'taobao' AND platform_order_id = ANY($1)`, [burst]))[0].n === burst.length,
      10_000,
      'the burst in the inbox',
    );
    await waitFor(async () => queue().inFlight === 0 && queue().ready === 0, 5000, 'the burst confirmed');
    const [{ dup }] = await h.db.dataSource.query(
      `SELECT count(*)::int - count(DISTINCT platform_order_id)::int AS dup FROM order_sync.inbox WHERE platform = 'taobao' AND platform_order_id = ANY($1)`,
      [burst],
    );
    expect(dup).toBe(0);
  });

  it('a crash between receive and commit: the message comes back (same connection, or after a reconnect) and is stored once', async () => {
    // stop the loop of the previous test so this one drives the rounds
    const c = consumer() as unknown as { stopping: boolean; loops: Promise<void>[]; wakers: Set<() => void> };
    c.stopping = true;
    for (const w of c.wakers) w();
    await Promise.all(c.loops.splice(0));
    c.stopping = false;

    // 1. received, then the write dies (process killed before the commit): nothing confirmed
    const writer = h.app.get(InboxWriter);
    const write = jest.spyOn(writer, 'write').mockRejectedValueOnce(new Error('killed before the commit'));
    const a = publish();
    await source.waitForPush(appKey, GROUP, 2000);
    await expect(consumer().runOnce(appKey)).rejects.toThrow(/killed/);
    write.mockRestore();
    expect(queue().inFlight).toBe(1);
    // redelivered after tmcRedeliverAfterMs over the same connection
    await waitFor(async () => (await consumer().runOnce(appKey)) > 0, 3000, 'redelivery');
    const aId = await messageIdOf(a);
    expect(await inboxRows(aId)).toBe(1);

    // 2. received, then the connection drops before the commit; the new connection gets it again
    const b = publish();
    await source.waitForPush(appKey, GROUP, 2000);
    const taken = await source.consume(appKey, GROUP, 100);
    expect(taken).toHaveLength(1);
    sim.tmcSocket.setDown(true);
    await waitFor(async () => !source.pushing(appKey, GROUP), 2000, 'socket down');
    sim.tmcSocket.setDown(false);
    await waitFor(async () => source.pushing(appKey, GROUP), 5000, 'socket back');
    await waitFor(async () => (await consumer().runOnce(appKey)) > 0, 3000, 'redelivery after reconnect');
    const bId = await messageIdOf(b);
    expect(bId).toBe(taken[0].tmcId);
    expect(await inboxRows(bId)).toBe(1);

    // 3. committed, then killed before the confirm: redelivered, written again, still one row
    const confirmOnce = jest.spyOn(source, 'confirm').mockRejectedValueOnce(new Error('killed before the confirm'));
    const d = publish();
    await source.waitForPush(appKey, GROUP, 2000);
    await expect(consumer().runOnce(appKey)).rejects.toThrow(/killed before the confirm/);
    confirmOnce.mockRestore();
    const dId = await messageIdOf(d);
    expect(await inboxRows(dId)).toBe(1);
    await waitFor(async () => (await consumer().runOnce(appKey)) > 0, 3000, 'redelivery of the committed one');
    expect(await inboxRows(dId)).toBe(1);
    await waitFor(async () => queue().inFlight === 0 && queue().ready === 0, 3000, 'all confirmed');
  });

  it('socket down: HTTP consume delivers (and confirms over HTTP); socket back: pushes again', async () => {
    sim.tmcSocket.setDown(true);
    await waitFor(async () => !source.pushing(appKey, GROUP), 2000, 'socket down');
    const consumesBefore = httpCalls('taobao.tmc.messages.consume');
    const confirmsBefore = httpCalls('taobao.tmc.messages.confirm');
    const orderId = publish();
    expect(await consumer().runOnce(appKey)).toBe(1);
    expect(httpCalls('taobao.tmc.messages.consume')).toBe(consumesBefore + 1);
    expect(httpCalls('taobao.tmc.messages.confirm')).toBe(confirmsBefore + 1);
    expect(await inboxRows(await messageIdOf(orderId))).toBe(1);
    expect(queue()).toMatchObject({ inFlight: 0, ready: 0 });

    sim.tmcSocket.setDown(false);
    await waitFor(async () => source.pushing(appKey, GROUP), 5000, 'socket back');
    const pushedBefore = sim.tmcSocket.snapshot().pushed;
    const next = publish();
    await source.waitForPush(appKey, GROUP, 2000);
    expect(await consumer().runOnce(appKey)).toBe(1);
    expect(await inboxRows(await messageIdOf(next))).toBe(1);
    expect(sim.tmcSocket.snapshot().pushed).toBe(pushedBefore + 1);
    expect(httpCalls('taobao.tmc.messages.consume')).toBe(consumesBefore + 1);
  });

  it('a CONNECT signed with the wrong secret is refused; nothing is pushed to it', async () => {
    const wrong = new FakeShopDirectory([{ ...backend.shop(), shopId: TB_SHOP, credentials: { ...backend.shop().credentials, appSecret: 'not-the-secret' } }]);
    const bad = new TaobaoTmcSource(lookup, wrong, { ...DEFAULT_ORDER_SYNC_OPTIONS, tmcChannel: 'socket' });
    const refusedBefore = sim.tmcSocket.snapshot().refused;
    try {
      // the HTTP fallback is refused too (TOP code 25)
      await expect(bad.consume(appKey, GROUP, 100)).rejects.toThrow(/signature/i);
      await waitFor(async () => sim.tmcSocket.snapshot().refused > refusedBefore, 3000, 'handshake refused');
      expect(bad.pushing(appKey, GROUP)).toBe(false);
      expect(sim.tmcSocket.snapshot().connections).toBe(1); // only the good source's
    } finally {
      await bad.onModuleDestroy();
    }
  });

  it('TAOBAO_TMC_CHANNEL=http: no socket, HTTP consume only', async () => {
    const httpOnly = new TaobaoTmcSource(lookup, h.shops, { ...DEFAULT_ORDER_SYNC_OPTIONS, tmcChannel: 'http' });
    sim.tmcSocket.setDown(true); // so the harness's socket source does not take the message
    await waitFor(async () => !source.pushing(appKey, GROUP), 2000, 'socket down');
    try {
      publish();
      const got = await httpOnly.consume(appKey, GROUP, 100);
      expect(got).toHaveLength(1);
      expect(httpOnly.pushing(appKey, GROUP)).toBe(false);
      await httpOnly.confirm(appKey, GROUP, got.map((m) => m.tmcId));
      expect(queue()).toMatchObject({ inFlight: 0, ready: 0 });
    } finally {
      sim.tmcSocket.setDown(false);
      await httpOnly.onModuleDestroy();
    }
  });
});
