import type { OrderStatus } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import type { PushMessage } from '@app/platforms';
import { buildOrder } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

function msg(id: string, orderId: string, updatedAt: string): PushMessage {
  return {
    platform: 'douyin',
    messageId: id,
    platformShopId: 'dy-shop-1',
    topic: '101',
    kind: 'order',
    platformOrderId: orderId,
    occurredAt: updatedAt,
    raw: JSON.stringify({ id, orderId }),
  };
}

/**
 * Issue 8 item 5: a paid order whose first state we see is already closed (paid, refunded seconds later,
 * pushes shuffled or lost) still reaches the ERP, once, in its final state; an order never paid does not.
 */
describe('orders closed before the ERP had them', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const outboxOf = async (pid: string): Promise<{ kind: string; status: string; payload: { status: string } }[]> =>
    h.db.dataSource.query(
      `SELECT b.kind, b.status, b.payload FROM order_sync.outbox b JOIN order_sync.orders o ON o.id = b.order_id
        WHERE o.platform_order_id = $1 ORDER BY b.version`,
      [pid],
    );
  const settled = (pids: string[]) =>
    waitFor(
      async () =>
        (await h.db.dataSource.query(
          `SELECT 1 FROM order_sync.inbox WHERE platform_order_id = ANY($1) AND status = 'pending'
           UNION ALL
           SELECT 1 FROM order_sync.outbox b JOIN order_sync.orders o ON o.id = b.order_id
            WHERE o.platform_order_id = ANY($1) AND b.status <> 'delivered'`,
          [pids],
        )).length === 0,
      15_000,
      'inbox processed and outbox delivered',
    );

  it('pushes a paid order first seen refunded or closed, in that state, and nothing for one never paid', async () => {
    const t0 = Date.now() - 60_000;
    const iso = (dt: number): string => new Date(t0 + dt).toISOString();
    const cases: { id: string; status: OrderStatus; paidAt: string | null }[] = [
      { id: 'RF1', status: 'refunded', paidAt: iso(0) },
      { id: 'CL1', status: 'cancelled', paidAt: iso(0) }, // closed after payment (refund before shipment)
      { id: 'UP1', status: 'cancelled', paidAt: null }, // never paid: nothing for the ERP
    ];
    for (const c of cases) h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: c.id, status: c.status, createdAt: iso(-1000), paidAt: c.paidAt, updatedAt: iso(3000) }));
    const writer = h.app.get(InboxWriter);
    // the pushes of the paid state were lost (or arrive after): only the closing message names each order
    await writer.write(cases.map((c) => ({ message: msg(`m-${c.id}-close`, c.id, iso(3000)), appKey: 'ak-test', shopId: SHOP_ID })));
    await settled(cases.map((c) => c.id));

    const pushed = h.erp.pushCalls.flat().filter((e) => cases.some((c) => c.id === e.order.platformOrderId));
    expect(pushed.map((e) => [e.order.platformOrderId, e.order.status, e.order.refundStatus, e.order.paidAt !== null]).sort()).toEqual([
      ['CL1', 'cancelled', 'none', true],
      ['RF1', 'refunded', 'refunded', true],
    ]);
    expect(h.erp.intercepts.filter((i) => cases.some((c) => c.id === i.order.platformOrderId))).toEqual([]);
    expect((await outboxOf('RF1')).map((r) => [r.kind, r.payload.status])).toEqual([['push', 'refunded']]);
    expect(await outboxOf('UP1')).toEqual([]);
    const [row] = await h.db.dataSource.query(`SELECT erp_order_id, erp_acked_at FROM order_sync.orders WHERE platform_order_id = 'RF1'`);
    expect(row.erp_order_id).toBe('ERP-RF1');
    expect(row.erp_acked_at).toBeInstanceOf(Date);

    // the lost "paid" message arriving late changes nothing: the stored state is newer
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'RF1', status: 'refunded', createdAt: iso(-1000), paidAt: iso(0), updatedAt: iso(3000) }));
    await writer.write([{ message: msg('m-RF1-paid', 'RF1', iso(0)), appKey: 'ak-test', shopId: SHOP_ID }]);
    await settled(['RF1']);
    expect(await outboxOf('RF1')).toHaveLength(1);
  });

  it('pushes an order first seen refunding, then intercepts it when the refund completes', async () => {
    const t0 = Date.now() - 30_000;
    const iso = (dt: number): string => new Date(t0 + dt).toISOString();
    const writer = h.app.get(InboxWriter);
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'RQ1', status: 'refunding', createdAt: iso(-1000), paidAt: iso(0), updatedAt: iso(2000) }));
    await writer.write([{ message: msg('m-RQ1-a', 'RQ1', iso(2000)), appKey: 'ak-test', shopId: SHOP_ID }]);
    await settled(['RQ1']);
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'RQ1', status: 'refunded', createdAt: iso(-1000), paidAt: iso(0), updatedAt: iso(6000) }));
    await writer.write([{ message: msg('m-RQ1-b', 'RQ1', iso(6000)), appKey: 'ak-test', shopId: SHOP_ID }]);
    await settled(['RQ1']);
    expect((await outboxOf('RQ1')).map((r) => [r.kind, r.payload.status])).toEqual([
      ['push', 'refunding'],
      ['intercept', 'refunded'],
    ]);
    expect(h.erp.intercepts.filter((i) => i.order.platformOrderId === 'RQ1').map((i) => i.reason)).toEqual(['refunded']);
  });
});
