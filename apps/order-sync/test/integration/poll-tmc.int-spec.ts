import { InboxWriter } from '@app/intake';
import type { PushMessage } from '@app/platforms';
import { OrderPollService } from '../../src/poll/order-poll.service';
import { TmcConsumerService } from '../../src/tmc/tmc-consumer.service';
import { TmcSource, type TmcMessage } from '../../src/tmc/tmc-source.port';
import { buildOrder } from '../fakes';
import { createHarness, FakePortsModule, SHOP_ID, waitFor, type Harness } from '../harness';

class FakeTmc extends TmcSource {
  queue: TmcMessage[] = [];
  confirmed: string[] = [];
  confirmSawRows: number[] = [];
  constructor(private readonly count: () => Promise<number>) {
    super();
  }
  async apps(): Promise<string[]> {
    return ['tb-app'];
  }
  async consume(_app: string, _group: string, quantity: number): Promise<TmcMessage[]> {
    return this.queue.splice(0, quantity);
  }
  async confirm(_app: string, _group: string, ids: string[]): Promise<void> {
    this.confirmSawRows.push(await this.count());
    this.confirmed.push(...ids);
  }
}

describe('poller and TMC consumer', () => {
  let h: Harness;
  let tmc: FakeTmc;
  beforeAll(async () => {
    let countRows: () => Promise<number> = async () => -1;
    tmc = new FakeTmc(() => countRows());
    h = await createHarness({
      options: { pollOverlapMs: 5000, pollInitialLookbackMs: 600_000 },
      extraImports: [FakePortsModule.register([{ provide: TmcSource, useValue: tmc }])],
    });
    countRows = async () => (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox`))[0].n;
    h.shops.addShop({ shopId: '7a4e1f3c-0000-4000-8000-00000000000b', platform: 'taobao', platformShopId: 'tb-1', appKey: 'tb-app', appSecret: 's' });
    // another merchant's shop, authorised under another app
    h.shops.addShop({ shopId: '7a4e1f3c-0000-4000-8000-00000000000c', platform: 'taobao', platformShopId: 'tb-other', appKey: 'tb-app-other', appSecret: 's2' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('pulls a window page by page into the same upsert path and advances the cursor with the page', async () => {
    const adapter = h.adapters.douyin;
    const now = Date.now();
    for (let i = 0; i < 250; i++) {
      adapter.put(buildOrder({ shopId: SHOP_ID, id: `PO${String(i).padStart(3, '0')}`, status: 'paid', updatedAt: new Date(now - 60_000 + i).toISOString() }));
    }
    const r = await h.app.get(OrderPollService).pollShop(SHOP_ID, new Date(now));
    expect(r).toEqual({ kind: 'done' });
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.orders WHERE platform_order_id LIKE 'PO%'`);
    expect(n).toBe(250);
    expect(adapter.calls.listOrders).toBe(3); // 100 + 100 + 50
    const [cur] = await h.db.dataSource.query(`SELECT cursor_at, page_state FROM order_sync.poll_cursors WHERE shop_id = $1`, [SHOP_ID]);
    expect(cur.page_state).toBeNull();
    expect(cur.cursor_at.getTime()).toBe(now);
    // a second poll over the overlap changes nothing
    const again = await h.app.get(OrderPollService).pollShop(SHOP_ID, new Date(now + 2000));
    expect(again).toEqual({ kind: 'done' });
    const [{ v }] = await h.db.dataSource.query(`SELECT max(version)::int AS v FROM order_sync.orders WHERE platform_order_id LIKE 'PO%'`);
    expect(v).toBe(1);
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE status = 'pending'`)).length === 0, 15_000, 'poll orders delivered');
  });

  it('records and skips an order whose status has no mapping; the rest of the page is applied and the cursor moves', async () => {
    const adapter = h.adapters.douyin;
    const now = Date.now() + 120_000; // after the first test's window
    adapter.put(buildOrder({ shopId: SHOP_ID, id: 'UNK-1', status: 'paid', updatedAt: new Date(now - 3000).toISOString() }));
    adapter.put(buildOrder({ shopId: SHOP_ID, id: 'UNK-2', status: 'paid', updatedAt: new Date(now - 2000).toISOString() }));
    adapter.put(buildOrder({ shopId: SHOP_ID, id: 'UNK-3', status: 'paid', updatedAt: new Date(now - 1000).toISOString() }));
    adapter.unmappable.add('UNK-2');
    try {
      const r = await h.app.get(OrderPollService).pollShop(SHOP_ID, new Date(now));
      expect(r).toEqual({ kind: 'done' });
      const stored = await h.db.dataSource.query(`SELECT platform_order_id FROM order_sync.orders WHERE platform_order_id LIKE 'UNK-%' ORDER BY 1`);
      expect(stored.map((x: { platform_order_id: string }) => x.platform_order_id)).toEqual(['UNK-1', 'UNK-3']);
      const refused = await h.db.dataSource.query(`SELECT shop_id, platform_order_id, reason FROM order_sync.orders_refused WHERE platform_order_id LIKE 'UNK-%'`);
      expect(refused).toEqual([{ shop_id: SHOP_ID, platform_order_id: 'UNK-2', reason: 'unknown_status' }]);
      const [cur] = await h.db.dataSource.query(`SELECT cursor_at FROM order_sync.poll_cursors WHERE shop_id = $1`, [SHOP_ID]);
      expect(cur.cursor_at.getTime()).toBe(now);
    } finally {
      adapter.unmappable.clear();
    }
  });

  it('confirms TMC messages only after they are committed to the inbox', async () => {
    const m = (n: number): TmcMessage => ({
      tmcId: `tmc-${n}`,
      message: { platform: 'taobao', messageId: `tb-${n}`, platformShopId: 'tb-1', topic: 'taobao_trade_TradeBuyerPay', kind: 'order', platformOrderId: `T${n}`, occurredAt: new Date().toISOString(), raw: '{}' } as PushMessage,
    });
    const before = (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox`))[0].n;
    tmc.queue.push(m(1), m(2), m(3));
    expect(await h.app.get(TmcConsumerService).runOnce('tb-app')).toBe(3);
    expect(tmc.confirmed).toEqual(['tmc-1', 'tmc-2', 'tmc-3']);
    expect(tmc.confirmSawRows).toEqual([before + 3]);
    const rows = await h.db.dataSource.query(`SELECT shop_id FROM order_sync.inbox WHERE platform = 'taobao'`);
    expect(rows.every((r: { shop_id: string }) => r.shop_id === '7a4e1f3c-0000-4000-8000-00000000000b')).toBe(true);
    // redelivered by TMC (not confirmed in time): stored once
    tmc.queue.push(m(1));
    await h.app.get(TmcConsumerService).runOnce('tb-app');
    expect((await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox`))[0].n).toBe(before + 3);
    await h.app.get(InboxWriter).flush();
  });

  it("stores a TMC message of one app that names another app's shop as ignored, under no shop", async () => {
    tmc.queue.push({
      tmcId: 'tmc-x',
      message: { platform: 'taobao', messageId: 'tb-x', platformShopId: 'tb-other', topic: 'taobao_trade_TradeBuyerPay', kind: 'order', platformOrderId: 'TX', occurredAt: new Date().toISOString(), raw: '{}' } as PushMessage,
    });
    expect(await h.app.get(TmcConsumerService).runOnce('tb-app')).toBe(1);
    expect(await h.db.dataSource.query(`SELECT app_key, shop_id, status FROM order_sync.inbox WHERE message_id = 'tb-x'`)).toEqual([
      { app_key: 'tb-app', shop_id: null, status: 'ignored' },
    ]);
    expect(tmc.confirmed).toContain('tmc-x');
  });
});
