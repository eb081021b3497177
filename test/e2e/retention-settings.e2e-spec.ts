/**
 * A merchant's retention (docs/adr/0013) through the gateway: GET / PATCH /retention-settings are forwarded,
 * signed, to order-sync, which keys every statement by the caller's merchant. Two merchants on one running
 * system: each reads and sets its own row only; a value under the floor is a 400 naming the field and changes
 * nothing; an accepted change is in the merchant's audit log.
 */
import { startE2eSystem, type E2eSystem } from '../../apps/order-sync/test/e2e/support/e2e-system';

jest.setTimeout(180_000);

describe('retention settings through the gateway', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    e2e = await startE2eSystem({ apps: ['gateway', 'order-sync'], secondMerchant: { platforms: ['xiaohongshu'] } });
  }, 180_000);
  afterAll(async () => {
    await e2e?.teardown();
  }, 60_000);

  const stored = async (merchantId: string) =>
    (await e2e.db.query(`SELECT inbox_days, outbox_days, sla_events_days, audit_days FROM order_sync.retention_settings WHERE merchant_id = $1`, [merchantId]))[0] ?? null;

  it('reads and sets the caller merchant’s own retention; the floor is a 400 naming the field', async () => {
    const a = e2e.sys.gateway;
    const b = e2e.sys.second!.gateway;

    const initial = await a.get('/retention-settings');
    expect(initial.status).toBe(200);
    expect(initial.data.inbox).toEqual({ days: 14, merchantDays: null, defaultDays: 14, floorDays: 7 });

    const under = await a.patch('/retention-settings', { inboxDays: 3 });
    expect(under.status).toBe(400);
    expect(JSON.stringify(under.data.message)).toContain('inboxDays must not be less than 7');
    const notWhole = await a.patch('/retention-settings', { outboxDays: '30' });
    expect(notWhole.status).toBe(400);
    expect(JSON.stringify(notWhole.data.message)).toContain('outboxDays');
    expect(await stored(e2e.sys.merchantId)).toBeNull();

    const set = await a.patch('/retention-settings', { inboxDays: 21, slaEventsDays: 120 });
    expect(set.status).toBe(200);
    expect(set.data.inbox).toEqual({ days: 21, merchantDays: 21, defaultDays: 14, floorDays: 7 });
    expect(await stored(e2e.sys.merchantId)).toEqual({ inbox_days: 21, outbox_days: null, sla_events_days: 120, audit_days: null });

    // B sees the defaults, sets its own, and A's row is untouched by it
    expect((await b.get('/retention-settings')).data.inbox.merchantDays).toBeNull();
    expect((await b.patch('/retention-settings', { outboxDays: 45 })).status).toBe(200);
    expect(await stored(e2e.sys.second!.merchantId)).toEqual({ inbox_days: null, outbox_days: 45, sla_events_days: null, audit_days: null });
    expect(await stored(e2e.sys.merchantId)).toEqual({ inbox_days: 21, outbox_days: null, sla_events_days: 120, audit_days: null });
    expect((await a.get('/retention-settings')).data.outbox.merchantDays).toBeNull();

    // each accepted change is in that merchant's audit log, the refused ones are not
    const audit = async (merchantId: string) =>
      (await e2e.db.query(`SELECT details FROM core.audit_log WHERE merchant_id = $1 AND action = 'retention_settings.update' ORDER BY id`, [merchantId])).map(
        (r: { details: unknown }) => r.details,
      );
    expect(await audit(e2e.sys.merchantId)).toEqual([{ inboxDays: 21, slaEventsDays: 120 }]);
    expect(await audit(e2e.sys.second!.merchantId)).toEqual([{ outboxDays: 45 }]);
  });
});
