/**
 * Kuaishou through the whole system as processes (sandbox + gateway + order-sync), polling off: a burst of paid
 * orders on the Kuaishou simulator is pushed AES-encrypted to POST /webhooks/kuaishou?appKey=<appKey>, read back
 * through open.order.detail and reaches the ERP simulator exactly once per order, status and paid fen intact.
 * Only the Kuaishou shop is registered (SystemOptions.platforms): nothing here names another platform.
 */
import type { Platform } from '@app/contracts';
import { erpByPlatformOrder, generated, paidFenOf, simOrders, startE2eSystem, tail, waitAllAtErp, waitUntil, type E2eSystem } from './support/e2e-system';

jest.setTimeout(120_000);

const KS: Platform = 'kuaishou';

describe('kuaishou e2e: push -> inbox -> order-sync -> ERP', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    e2e = await startE2eSystem({ platforms: [KS], orderSyncEnv: { ORDER_POLL_ENABLED: 'false' } });
  }, 180_000);

  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  it('a burst of Kuaishou orders reaches the ERP once each, paid, with the paid fen of the platform', async () => {
    const COUNT = 20;
    const before = (await generated(e2e.sys, KS)).length;
    await e2e.sys.sandboxAdmin(KS, 'POST', 'generator/burst', { count: COUNT });
    const made = await waitUntil(
      'kuaishou burst generated',
      async () => {
        const g = (await generated(e2e.sys, KS)).slice(before);
        return g.length >= COUNT ? g : undefined;
      },
      20_000,
    );
    const orders = await waitAllAtErp(e2e.sys, { [KS]: made.map((g) => g.orderId) }, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\norder-sync:\n${tail(e2e.sys, 'order-sync')}\ngateway:\n${tail(e2e.sys, 'gateway')}\nsandbox:\n${tail(e2e.sys, 'sandbox')}`);
    });
    const byId = erpByPlatformOrder(orders, KS);
    const sim = new Map((await simOrders(e2e.sys, KS)).map((o) => [o.orderId, o]));
    for (const g of made) {
      const at = byId.get(g.orderId)!;
      expect(at).toHaveLength(1);
      expect(at[0].status).toBe('paid');
      expect(g.orderId).toMatch(/^\d{19}$/); // exact 19-digit ids all the way
      const rows: { paid_fen: string }[] = await e2e.db.query(`SELECT paid_fen::text AS paid_fen FROM order_sync.orders WHERE platform = 'kuaishou' AND platform_order_id = $1`, [g.orderId]);
      expect(rows.map((r) => Number(r.paid_fen))).toEqual([paidFenOf(sim.get(g.orderId)!)]);
    }
    // the pushes were answered {"result":1} (the simulator counts acknowledged pushes) and came through the webhook
    const inbox: { n: number }[] = await e2e.db.query(`SELECT count(*)::int AS n FROM order_sync.inbox WHERE platform = 'kuaishou'`);
    expect(inbox[0].n).toBeGreaterThanOrEqual(COUNT);
  });
});
