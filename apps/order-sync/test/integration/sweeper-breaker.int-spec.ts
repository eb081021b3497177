import { UpstreamError } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import { SweeperService } from '../../src/sweeper/sweeper.service';
import { buildOrder } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

/**
 * Issue 7 item 9. The sweeper gives up on an inbox row after `sweepMaxReenqueues` attempts (50 in production,
 * about 40 s of an open breaker before the fix). Here the window is 3 attempts and the breaker stays open for
 * many times that many deferrals, with the sweeper running in between: the row must wait, then sync.
 */
describe('sweeper with a platform breaker held open', () => {
  let h: Harness;
  const MAX = 3;

  beforeAll(async () => {
    h = await createHarness({ options: { sweepStaleAfterMs: 0, sweepMaxReenqueues: MAX } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('delays the inbox rows of an outage (no attempts burned, never failed) and syncs them after it', async () => {
    const douyin = h.adapters.douyin;
    const now = Date.now();
    douyin.put(buildOrder({ shopId: SHOP_ID, id: 'B1', status: 'paid', updatedAt: new Date(now - 1000).toISOString() }));
    // the breaker rejects fast and says when it half-opens: a short time, so many deferrals fit in the test
    douyin.failWith = new UpstreamError('douyin', 'circuit_open', 'circuit open for douyin/shop', { retryAfterMs: 40 });
    const writer = h.app.get(InboxWriter);
    await writer.write([
      {
        message: { platform: 'douyin', messageId: 'brk-B1', platformShopId: 'dy-shop-1', topic: '101', kind: 'order', platformOrderId: 'B1', occurredAt: new Date(now - 1000).toISOString(), raw: '{}' },
        appKey: 'dy-app',
        shopId: SHOP_ID,
      },
    ]);
    await writer.flush();
    const sweeper = h.app.get(SweeperService);
    const row = async () =>
      ((await h.db.dataSource.query(`SELECT status, attempts, last_error FROM order_sync.inbox WHERE message_id = 'brk-B1'`)) as {
        status: string;
        attempts: number;
        last_error: string | null;
      }[])[0];

    // the outage lasts well past the sweeper's window: 6x as many deferrals as it allows attempts
    const calls = () => douyin.calls.getOrder + douyin.calls.listOrders;
    let gaveUp = 0;
    const deadline = Date.now() + 15_000;
    while (calls() < MAX * 6 && Date.now() < deadline) {
      gaveUp += (await sweeper.sweep()).inboxGaveUp;
      await new Promise((r) => setTimeout(r, 50));
    }
    gaveUp += (await sweeper.sweep()).inboxGaveUp;
    const during = await row();
    expect(gaveUp).toBe(0);
    expect(calls()).toBeGreaterThanOrEqual(MAX * 6);
    expect(during.status).toBe('pending');
    expect(during.last_error).toMatch(/^circuit_open:/);
    expect(during.attempts).toBeLessThan(MAX);

    douyin.failWith = null;
    await waitFor(async () => (await row()).status === 'processed', 10_000, 'the row processed after the outage');
    const orders = await h.db.dataSource.query(`SELECT status FROM order_sync.orders WHERE platform_order_id = 'B1'`);
    expect(orders).toEqual([{ status: 'paid' }]);
  });

  it('still gives up on a row whose real attempts (not deferrals) reached the limit', async () => {
    const douyin = h.adapters.douyin;
    douyin.failWith = new UpstreamError('douyin', 'retryable', 'HTTP 502');
    const now = Date.now();
    const writer = h.app.get(InboxWriter);
    await writer.write([
      {
        message: { platform: 'douyin', messageId: 'brk-B2', platformShopId: 'dy-shop-1', topic: '101', kind: 'order', platformOrderId: 'B2', occurredAt: new Date(now).toISOString(), raw: '{}' },
        appKey: 'dy-app',
        shopId: SHOP_ID,
      },
    ]);
    await writer.flush();
    try {
      await waitFor(
        async () => ((await h.db.dataSource.query(`SELECT 1 FROM order_sync.inbox WHERE message_id = 'brk-B2' AND last_error LIKE 'retryable:%'`)) as unknown[]).length > 0,
        10_000,
        'a first attempt settled',
      );
      await h.db.dataSource.query(`UPDATE order_sync.inbox SET attempts = $1 WHERE message_id = 'brk-B2'`, [MAX]);
      expect((await h.app.get(SweeperService).sweep()).inboxGaveUp).toBe(1);
      const [r] = await h.db.dataSource.query(`SELECT status FROM order_sync.inbox WHERE message_id = 'brk-B2'`);
      expect(r.status).toBe('failed');
    } finally {
      douyin.failWith = null;
    }
  });
});
