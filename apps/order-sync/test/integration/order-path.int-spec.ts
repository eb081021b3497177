import { QUEUE, type OrderStatus } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import type { PushMessage } from '@app/platforms';
import { OrderIngestService } from '../../src/ingest/order-ingest.service';
import { ErpDeliveryService } from '../../src/delivery/erp-delivery.service';
import { OrderUpsertRepository } from '../../src/orders/order-upsert.repository';
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

/** deterministic shuffle (LCG) so a failure reproduces */
function shuffle<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe('order path (inbox -> orders -> outbox -> ERP)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('converges on the latest state when the same messages arrive 3 times shuffled, one ERP delivery per version', async () => {
    const t0 = Date.now() - 120_000;
    const iso = (dt: number): string => new Date(t0 + dt).toISOString();
    const lifecycle: [OrderStatus, number][] = [
      ['pending_payment', 0],
      ['paid', 1000],
      ['shipped', 5000],
      ['completed', 9000],
    ];
    const orderIds = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6'];
    const messages: PushMessage[] = [];
    for (const id of orderIds) {
      for (const [status, dt] of lifecycle) {
        h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id, status, updatedAt: iso(dt), createdAt: iso(0), paidAt: status === 'pending_payment' ? null : iso(1000) }));
        messages.push(msg(`m-${id}-${status}`, id, iso(dt)));
      }
    }
    // every getOrder answers "as of" the message's own time: stale reads arrive out of order
    const deliveries = shuffle([...messages, ...messages, ...messages], 42);
    for (const m of deliveries) {
      const q = h.adapters.douyin.asOf.get(m.platformOrderId!) ?? [];
      q.push(m.occurredAt!);
      h.adapters.douyin.asOf.set(m.platformOrderId!, q);
    }
    const writer = h.app.get(InboxWriter);
    // redeliveries: the inbox stores each message once; later copies are no-ops
    for (let i = 0; i < deliveries.length; i += 7) await writer.write(deliveries.slice(i, i + 7).map((m) => ({ message: m, appKey: 'ak-test', shopId: SHOP_ID })));
    const inbox = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox`);
    expect(inbox[0].n).toBe(messages.length);

    await waitFor(
      async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.inbox WHERE status <> 'processed'`)).length === 0,
      15_000,
      'inbox processed',
    );
    await waitFor(
      async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE status <> 'delivered'`)).length === 0,
      15_000,
      'outbox delivered',
    );
    const orders: { platform_order_id: string; status: string; version: number; erp_order_id: string }[] = await h.db.dataSource.query(
      `SELECT platform_order_id, status, version, erp_order_id FROM order_sync.orders ORDER BY platform_order_id`,
    );
    expect(orders.map((o) => [o.platform_order_id, o.status])).toEqual(orderIds.map((id) => [id, 'completed']));
    expect(orders.every((o) => o.erp_order_id === `ERP-${o.platform_order_id}`)).toBe(true);

    const outbox: { order_id: string; version: number; status: string; payload: { status: string; updatedAt: string } }[] =
      await h.db.dataSource.query(`SELECT order_id, version, status, payload FROM order_sync.outbox ORDER BY order_id, version`);
    // versions only for real changes: per order, each outbox version moves strictly forward in time
    const byOrder = new Map<string, typeof outbox>();
    for (const r of outbox) byOrder.set(r.order_id, [...(byOrder.get(r.order_id) ?? []), r]);
    for (const rows of byOrder.values()) {
      for (let i = 1; i < rows.length; i++) expect(Date.parse(rows[i].payload.updatedAt)).toBeGreaterThan(Date.parse(rows[i - 1].payload.updatedAt));
      expect(rows[rows.length - 1].payload.status).toBe('completed');
    }
    // one ERP delivery per version: every key once, no duplicates
    expect(h.erp.duplicates).toEqual([]);
    expect(h.erp.delivered.size).toBe(outbox.length);
    const stats = h.app.get(OrderIngestService).stats;
    const delivery = h.app.get(ErpDeliveryService).stats;
    // eslint-disable-next-line no-console
    console.log(
      `[measure] ingest: ${stats.jobs} jobs in ${stats.batches} batches, ${stats.statements} SQL statements ` +
        `(${(stats.statements / stats.jobs).toFixed(2)}/job), ${stats.getCalls} getOrder, ${stats.listCalls} listOrders; ` +
        `ERP: ${delivery.pushedRows} rows in ${delivery.pushCalls} pushOrders calls, ${delivery.statements} statements`,
    );
  });

  it('upsert-if-newer: 3 shuffled copies of every snapshot, in random batches, end at the latest with one version per applied change', async () => {
    const repo = h.app.get(OrderUpsertRepository);
    const t0 = Date.now() - 60_000;
    const iso = (dt: number): string => new Date(t0 + dt).toISOString();
    const snaps = ['S1', 'S2', 'S3'].flatMap((id) =>
      (['pending_payment', 'paid', 'shipped', 'refunding', 'refunded'] as OrderStatus[]).map((status, i) =>
        buildOrder({ shopId: SHOP_ID, id, status, updatedAt: iso(i * 1000), createdAt: iso(0), paidAt: i === 0 ? null : iso(1000) }),
      ),
    );
    const all = shuffle([...snaps, ...snaps, ...snaps], 7);
    let changed = 0;
    let outbox = 0;
    for (let i = 0; i < all.length; ) {
      const n = 1 + (i % 4);
      const s = await h.db.dataSource.transaction((em) => repo.apply(em, all.slice(i, i + n)));
      changed += s.changed;
      outbox += s.outbox.length;
      i += n;
    }
    const rows: { platform_order_id: string; status: string; version: number }[] = await h.db.dataSource.query(
      `SELECT platform_order_id, status, version FROM order_sync.orders WHERE platform_order_id LIKE 'S_' ORDER BY 1`,
    );
    expect(rows.map((r) => r.status)).toEqual(['refunded', 'refunded', 'refunded']);
    expect(rows.reduce((a, r) => a + r.version, 0)).toBe(changed);
    const [{ n }] = await h.db.dataSource.query(
      `SELECT count(*)::int AS n FROM order_sync.outbox b JOIN order_sync.orders o ON o.id = b.order_id WHERE o.platform_order_id LIKE 'S_'`,
    );
    expect(n).toBe(outbox);
    expect(outbox).toBeLessThanOrEqual(changed);
  });

  it('does not fetch an order again when it is already stored at the message time or later', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'F1', status: 'paid', updatedAt: at, paidAt: at }));
    const writer = h.app.get(InboxWriter);
    const processedCount = async () =>
      (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox WHERE platform_order_id = 'F1' AND status = 'processed'`))[0].n;
    await writer.write([{ message: msg('m-F1-a', 'F1', at), appKey: 'ak-test', shopId: SHOP_ID }]);
    await waitFor(async () => (await processedCount()) === 1, 10_000, 'first message processed');
    const calls = { ...h.adapters.douyin.calls };
    // a second message about the same change (another message id, e.g. tag 110 after 101): stored already
    await writer.write([{ message: msg('m-F1-b', 'F1', at), appKey: 'ak-test', shopId: SHOP_ID }]);
    await waitFor(async () => (await processedCount()) === 2, 10_000, 'second message processed');
    expect(h.adapters.douyin.calls).toEqual(calls);
    // a newer change is fetched
    const later = new Date(Date.parse(at) + 5000).toISOString();
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'F1', status: 'shipped', updatedAt: later, paidAt: at }));
    await writer.write([{ message: msg('m-F1-c', 'F1', later), appKey: 'ak-test', shopId: SHOP_ID }]);
    await waitFor(async () => (await processedCount()) === 3, 10_000, 'third message processed');
    expect(h.adapters.douyin.calls.getOrder + h.adapters.douyin.calls.listOrders).toBeGreaterThan(calls.getOrder + calls.listOrders);
    const [row] = await h.db.dataSource.query(`SELECT status FROM order_sync.orders WHERE platform_order_id = 'F1'`);
    expect(row.status).toBe('shipped');
  });

  it('records an illegal transition instead of applying it', async () => {
    const now = Date.now();
    const repo = h.app.get(OrderUpsertRepository);
    const cancelled = buildOrder({ shopId: SHOP_ID, id: 'X1', status: 'cancelled', updatedAt: new Date(now - 10_000).toISOString() });
    const paidLater = buildOrder({ shopId: SHOP_ID, id: 'X1', status: 'paid', updatedAt: new Date(now - 5_000).toISOString() });
    await h.db.dataSource.transaction((em) => repo.apply(em, [cancelled]));
    const s = await h.db.dataSource.transaction((em) => repo.apply(em, [paidLater]));
    expect(s).toMatchObject({ changed: 0, rejected: 1 });
    const [o] = await h.db.dataSource.query(`SELECT status, version FROM order_sync.orders WHERE platform_order_id = 'X1'`);
    expect(o).toEqual({ status: 'cancelled', version: 1 });
    const rej = await h.db.dataSource.query(`SELECT from_status, to_status FROM order_sync.order_transitions_rejected WHERE platform_order_id = 'X1'`);
    expect(rej).toEqual([{ from_status: 'cancelled', to_status: 'paid' }]);
  });

  it('sends a cancellation before shipment as an interception on the priority queue', async () => {
    const now = Date.now();
    const repo = h.app.get(OrderUpsertRepository);
    const paid = buildOrder({ shopId: SHOP_ID, id: 'C1', status: 'paid', updatedAt: new Date(now - 10_000).toISOString() });
    const cancelled = buildOrder({ shopId: SHOP_ID, id: 'C1', status: 'cancelled', updatedAt: new Date(now - 5_000).toISOString() });
    const s1 = await h.db.dataSource.transaction((em) => repo.apply(em, [paid]));
    const s2 = await h.db.dataSource.transaction((em) => repo.apply(em, [cancelled]));
    expect(s1.outbox.map((o) => o.kind)).toEqual(['push']);
    expect(s2.outbox.map((o) => o.kind)).toEqual(['intercept']);
    const r = await h.app.get(ErpDeliveryService).deliverIntercept(s2.outbox[0].outboxId);
    expect(r).toEqual({ kind: 'done' });
    expect(h.erp.intercepts.map((i) => [i.order.platformOrderId, i.reason])).toEqual([['C1', 'cancelled']]);
  });

  it('a push job delivers exactly its chunk of rows, in calls of at most maxBatch, and fails only for the rows the ERP refused', async () => {
    const delivery = h.app.get(ErpDeliveryService);
    const insert = async (pid: string): Promise<string> => {
      const [r]: { id: string }[] = await h.db.dataSource.query(
        `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload)
         VALUES (gen_random_uuid(), 1, 'push', $1, $2) RETURNING id::text AS id`,
        [`chunk-${pid}-v1`, JSON.stringify({ platformOrderId: pid })],
      );
      return r.id;
    };
    const ids = [await insert('C1'), await insert('C2'), await insert('C3')];
    const bystander = await insert('C4'); // due, but not this job's: left alone
    const calls = h.erp.pushCalls.length;
    const maxBatch = h.erp.maxBatch;
    h.erp.maxBatch = 2;
    h.erp.rejectKeys.add('chunk-C2-v1');
    try {
      const outcome = await delivery.deliverPush(ids);
      expect(outcome).toEqual({ kind: 'failed', reason: expect.stringMatching(/^1 of 3 rows failed: invalid_request/) });
    } finally {
      h.erp.maxBatch = maxBatch;
      h.erp.rejectKeys.clear();
    }
    expect(h.erp.pushCalls.slice(calls).map((c) => c.map((e) => e.order.platformOrderId))).toEqual([['C1', 'C2'], ['C3']]);
    const rows: { id: string; status: string }[] = await h.db.dataSource.query(
      `SELECT id::text AS id, status FROM order_sync.outbox WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [[...ids, bystander]],
    );
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'failed', 'delivered', 'pending']);
    // run again (a duplicate job): nothing is sent twice, the outcome is read from the rows
    await expect(delivery.deliverPush([ids[0], ids[2]])).resolves.toEqual({ kind: 'done' });
    expect(h.erp.duplicates.filter((k) => k.startsWith('chunk-'))).toEqual([]);
    await h.db.dataSource.query(`DELETE FROM order_sync.outbox WHERE id = ANY($1::bigint[])`, [[...ids, bystander]]);
  });

  it('push jobs running at the same time share one ERP call', async () => {
    const delivery = h.app.get(ErpDeliveryService);
    const ids: string[] = [];
    for (const pid of ['G1', 'G2', 'G3', 'G4']) {
      const [r]: { id: string }[] = await h.db.dataSource.query(
        `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload)
         VALUES (gen_random_uuid(), 1, 'push', $1, $2) RETURNING id::text AS id`,
        [`group-${pid}-v1`, JSON.stringify({ platformOrderId: pid })],
      );
      ids.push(r.id);
    }
    const calls = h.erp.pushCalls.length;
    const outcomes = await Promise.all([delivery.deliverPush(ids.slice(0, 2)), delivery.deliverPush(ids.slice(2)), delivery.deliverPush([ids[1]])]);
    expect(outcomes).toEqual([{ kind: 'done' }, { kind: 'done' }, { kind: 'done' }]);
    expect(h.erp.pushCalls.slice(calls).map((c) => c.map((e) => e.order.platformOrderId).sort())).toEqual([['G1', 'G2', 'G3', 'G4']]);
    await h.db.dataSource.query(`DELETE FROM order_sync.outbox WHERE id = ANY($1::bigint[])`, [ids]);
  });

  it('delays jobs while the ERP is down without burning attempts, and delivers once it is back', async () => {
    h.erp.down = true;
    const now = Date.now();
    h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id: 'D1', status: 'paid', updatedAt: new Date(now - 1000).toISOString() }));
    await h.app.get(InboxWriter).write([{ message: msg('m-D1', 'D1', new Date(now - 1000).toISOString()), appKey: 'ak-test', shopId: SHOP_ID }]);
    const [row] = await waitFor(
      async () => {
        const r: { id: string; last_error: string | null }[] = await h.db.dataSource.query(
          `SELECT b.id::text AS id, b.last_error FROM order_sync.outbox b JOIN order_sync.orders o ON o.id = b.order_id
            WHERE o.platform_order_id = 'D1' AND b.last_error IS NOT NULL`,
        );
        return r.length > 0 ? r : null;
      },
      10_000,
      'outbox row with an ERP error',
    );
    expect(row.last_error).toMatch(/^circuit_open:/);
    const job = await waitFor(async () => {
      const j = await h.queue(QUEUE.ERP_PUSH).getJob(`push-${row.id}`);
      return j && (await j.getState()) === 'delayed' ? j : null;
    }, 5000, 'delayed push job');
    expect(job.attemptsMade).toBe(0);
    h.erp.down = false;
    await waitFor(
      async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE id = $1 AND status = 'delivered'`, [row.id])).length === 1,
      10_000,
      'delivered after the ERP came back',
    );
    const done = await h.queue(QUEUE.ERP_PUSH).getJob(`push-${row.id}`);
    expect(await done?.getState()).toBe('completed');
    expect(done?.attemptsMade).toBe(1);
    const [o] = await h.db.dataSource.query(`SELECT erp_order_id, erp_acked_at FROM order_sync.orders WHERE platform_order_id = 'D1'`);
    expect(o.erp_order_id).toBe('ERP-D1');
    expect(o.erp_acked_at).toBeInstanceOf(Date);
  });
});
