import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { QUEUE } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import { ErpPushProcessor } from '../../src/delivery/erp-push.processor';
import { OrderUpsertRepository } from '../../src/orders/order-upsert.repository';
import { SlaAlertNotifier, type SlaAlert } from '../../src/sla/sla-alert.notifier';
import { SlaWatcherService } from '../../src/sla/sla-watcher.service';
import { SweeperService } from '../../src/sweeper/sweeper.service';
import { buildOrder } from '../fakes';
import { createHarness, SHOP_ID, waitFor, type Harness } from '../harness';

// the gateway forwards the caller's merchant; orders are scoped to that merchant's shops
const MERCHANT = '5b1e0000-0000-4000-8000-000000000001';
const OTHER = '5b1e0000-0000-4000-8000-000000000002';

describe('sweeper, SLA watcher and the ERP pull API', () => {
  let h: Harness;
  let alertServer: Server;
  const alertsReceived: SlaAlert[] = [];

  beforeAll(async () => {
    alertServer = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        alertsReceived.push(...(JSON.parse(b) as { alerts: SlaAlert[] }).alerts);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => alertServer.listen(0, '127.0.0.1', r));
    const port = (alertServer.address() as AddressInfo).port;
    h = await createHarness({ options: { sweepStaleAfterMs: 0, alertWebhookUrl: `http://127.0.0.1:${port}/alerts` } });
    await h.db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'm1'), ($2, 'm2') ON CONFLICT DO NOTHING`, [MERCHANT, OTHER]);
    await h.db.dataSource.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-shop-1', 'shop', 'dy-app', '\\x00') ON CONFLICT DO NOTHING`,
      [SHOP_ID, MERCHANT],
    );
  });
  afterAll(async () => {
    await h.close();
    await new Promise((r) => alertServer.close(r));
  });

  it('re-enqueues inbox and outbox rows after the queues were wiped (FLUSHALL of our prefix)', async () => {
    // queue-level pause: nothing is picked up until the wipe, which also drops the pause flag
    await h.queue(QUEUE.ORDER_EVENTS).pause();
    await h.queue(QUEUE.ERP_PUSH).pause();
    const now = Date.now();
    for (const id of ['W1', 'W2', 'W3']) h.adapters.douyin.put(buildOrder({ shopId: SHOP_ID, id, status: 'paid', updatedAt: new Date(now - 2000).toISOString() }));
    const res = await h.app.get(InboxWriter).write(
      ['W1', 'W2', 'W3'].map((id) => ({
        message: { platform: 'douyin' as const, messageId: `w-${id}`, platformShopId: 'dy-shop-1', topic: '101', kind: 'order' as const, platformOrderId: id, occurredAt: new Date(now - 2000).toISOString(), raw: '{}' },
        appKey: 'ak-test',
        shopId: SHOP_ID,
      })),
    );
    await h.app.get(InboxWriter).flush();
    // the group's rows travel in one process-inbox-batch job
    const queued = async () => Object.values(await h.queue(QUEUE.ORDER_EVENTS).getJobCounts()).reduce((a, b) => a + b, 0);
    expect(res.insertedIds.filter(Boolean)).toHaveLength(3);
    expect(await queued()).toBe(1);
    await h.queue(QUEUE.ORDER_EVENTS).obliterate({ force: true });
    expect(await queued()).toBe(0);

    const sweeper = h.app.get(SweeperService);
    const first = await sweeper.sweep();
    expect(first.inboxReenqueued).toBe(3);
    // the job ids are alive again: a second sweep adds nothing
    expect((await sweeper.sweep()).inboxReenqueued).toBe(0);
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox`)).length === 3, 10_000, 'outbox rows');
    // the push jobs are lost too
    await h.queue(QUEUE.ERP_PUSH).obliterate({ force: true });
    const second = await sweeper.sweep();
    expect(second.outboxReenqueued).toBe(3);
    await waitFor(
      async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE status = 'delivered'`)).length === 3,
      10_000,
      'delivered after the sweep',
    );
  });

  it('records a warning and a breach once per order, with a cause, and alerts', async () => {
    try {
      const repo = h.app.get(OrderUpsertRepository);
      const sla = h.app.get(SlaWatcherService);
      const now = Date.now();
      h.erp.down = true;
      // no push job may try L1 (a push job claims other due rows too): its cause must come from state, not a race;
      // pause() waits for the active jobs to finish
      await h.app.get(ErpPushProcessor).worker.pause();
      const late = buildOrder({ shopId: SHOP_ID, id: 'L1', status: 'paid', updatedAt: new Date(now - 25_000).toISOString(), paidAt: new Date(now - 25_000).toISOString() });
      const later = buildOrder({ shopId: SHOP_ID, id: 'L2', status: 'paid', updatedAt: new Date(now - 35_000).toISOString(), paidAt: new Date(now - 35_000).toISOString() });
      await h.db.dataSource.transaction((em) => repo.apply(em, [late, later]));
      await h.db.dataSource.query(
        `UPDATE order_sync.outbox SET last_error = 'circuit_open: erp: circuit_open: breaker open', next_attempt_at = now() + interval '1 hour'
          WHERE order_id = (SELECT id FROM order_sync.orders WHERE platform_order_id = 'L2')`,
      );
      const onlyL = (xs: SlaAlert[]): SlaAlert[] => xs.filter((a) => a.platformOrderId.startsWith('L'));
      const first = onlyL(await sla.check(new Date(now)));
      // L1 was stored without a push message for it (as a poll stores an order): push_lost; past the breach mark
      // an order gets both levels
      expect(first.map((a) => [a.platformOrderId, a.level, a.cause]).sort()).toEqual([
        ['L1', 'warning', 'push_lost'],
        ['L2', 'breach', 'erp_down'],
        ['L2', 'warning', 'erp_down'],
      ]);
      expect(onlyL(await sla.check(new Date(now + 1000)))).toEqual([]);
      const third = onlyL(await sla.check(new Date(now + 6000)));
      expect(third.map((a) => [a.platformOrderId, a.level])).toEqual([['L1', 'breach']]);
      const rows = await h.db.dataSource.query(
        `SELECT e.level, count(*)::int AS n FROM order_sync.sla_events e JOIN order_sync.orders o ON o.id = e.order_id
          WHERE o.platform_order_id LIKE 'L%' GROUP BY e.level ORDER BY e.level`,
      );
      expect(rows).toEqual([
        { level: 'breach', n: 2 },
        { level: 'warning', n: 2 },
      ]);
      const metric = await h.registry.getSingleMetricAsString('omnisync_sla_events_total');
      expect(metric).toMatch(/omnisync_sla_events_total\{platform="douyin",merchant="[^"]+",level="breach",cause="erp_down"\} 1$/m);
      await h.app.get(SlaAlertNotifier).flush();
      expect(onlyL(alertsReceived).map((a) => `${a.platformOrderId}/${a.level}`).sort()).toEqual(['L1/breach', 'L1/warning', 'L2/breach', 'L2/warning']);

      // the report is the caller's merchant's only: without one it is refused, another merchant's is empty
      await request(h.app.getHttpServer()).get('/ops/sla').expect(400);
      const foreign = await request(h.app.getHttpServer()).get('/ops/sla').set('x-omnisync-merchant-id', OTHER).expect(200);
      expect(foreign.body.late).toEqual([]);
      const report = await request(h.app.getHttpServer())
        .get('/ops/sla')
        .set('x-omnisync-merchant-id', MERCHANT)
        .query({ from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 60_000).toISOString() })
        .expect(200);
      const douyin = report.body.platforms.find((p: { platform: string }) => p.platform === 'douyin');
      expect(douyin.breaches).toBeGreaterThanOrEqual(2);
      expect(douyin.warnings).toBeGreaterThanOrEqual(1);
      const lateL = report.body.late.filter((l: { platformOrderId: string }) => l.platformOrderId.startsWith('L'));
      expect(lateL.map((l: { platformOrderId: string; level: string; cause: string }) => `${l.platformOrderId}/${l.level}/${l.cause}`).sort()).toEqual([
        'L1/breach/push_lost',
        'L2/breach/erp_down',
      ]);
      await request(h.app.getHttpServer()).get('/ops/sla').set('x-omnisync-merchant-id', MERCHANT).query({ from: 'yesterday' }).expect(400).expect((r) => expect(JSON.stringify(r.body)).toContain('from'));
    } finally {
      h.erp.down = false;
      h.app.get(ErpPushProcessor).worker.resume();
    }
  });

  it('pages orders by change cursor and acks them, which stops the SLA clock', async () => {
    const server = h.app.getHttpServer();
    await h.db.dataSource.query(`INSERT INTO core.merchants (id, name) VALUES ($1, 'm1'), ($2, 'm2') ON CONFLICT DO NOTHING`, [MERCHANT, OTHER]);
    await h.db.dataSource.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-shop-1', 'shop', 'dy-app', '\\x00') ON CONFLICT DO NOTHING`,
      [SHOP_ID, MERCHANT],
    );
    const get = (path: string, as = MERCHANT) => request(server).get(path).set('x-omnisync-merchant-id', as);
    const post = (path: string, as = MERCHANT) => request(server).post(path).set('x-omnisync-merchant-id', as);
    const repo = h.app.get(OrderUpsertRepository);
    const now = Date.now();
    const mk = (id: string, status: 'paid' | 'pending_payment') =>
      buildOrder({ shopId: SHOP_ID, id, status, updatedAt: new Date(now - 3000).toISOString(), paidAt: status === 'paid' ? new Date(now - 3000).toISOString() : null });
    // the ERP is not pushed to here: the pull API is how these orders reach it
    await h.app.get(ErpPushProcessor).worker.pause(true);
    await h.db.dataSource.transaction((em) => repo.apply(em, [mk('P1', 'paid'), mk('P2', 'paid'), mk('P3', 'paid'), mk('P4', 'pending_payment')]));
    const seen: string[] = [];
    let cursor: string | undefined;
    // a page only covers transactions older than every running one on the server (other test suites run
    // beside this one), so an empty page means "nothing yet": keep pulling, as an ERP does, until P1-P3 came
    const deadline = Date.now() + 15_000;
    while (!['P1', 'P2', 'P3'].every((id) => seen.includes(id)) && Date.now() < deadline) {
      const res = await get('/erp/orders').query(cursor ? { cursor, limit: 2 } : { limit: 2 }).expect(200);
      expect(res.body.orders.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.orders.map((o: { order: { platformOrderId: string } }) => o.order.platformOrderId));
      cursor = res.body.nextCursor;
      if (res.body.orders.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.filter((id) => id.startsWith('P')).sort()).toEqual(['P1', 'P2', 'P3']);
    expect(new Set(seen).size).toBe(seen.length);
    const again = await get('/erp/orders').query({ cursor }).expect(200);
    expect(again.body).toEqual({ orders: [], nextCursor: cursor });
    // another merchant sees none of these orders, and a request without a merchant is refused
    const other = await get('/erp/orders', OTHER).expect(200);
    expect(other.body.orders).toEqual([]);
    await request(server).get('/erp/orders').expect(400).expect((r) => expect(JSON.stringify(r.body)).toContain('x-omnisync-merchant-id'));
    expect((await post('/erp/orders/ack', OTHER).send({ cursor }).expect(200)).body).toEqual({ acked: 0 });

    await get('/erp/orders').query({ limit: 0 }).expect(400).expect((r) => expect(JSON.stringify(r.body)).toContain('limit'));
    await get('/erp/orders').query({ cursor: 'abc' }).expect(400).expect((r) => expect(JSON.stringify(r.body)).toContain('cursor'));
    await post('/erp/orders/ack').send({ orderIds: ['nope'] }).expect(400).expect((r) => expect(JSON.stringify(r.body)).toContain('orderIds'));

    const ack = await post('/erp/orders/ack').send({ cursor }).expect(200);
    expect(ack.body.acked).toBeGreaterThanOrEqual(3);
    const open = await h.db.dataSource.query(`SELECT platform_order_id FROM order_sync.orders WHERE erp_acked_at IS NULL AND platform_order_id LIKE 'P%'`);
    expect(open).toEqual([{ platform_order_id: 'P4' }]); // unpaid: never offered, never acked
    const pending = await h.db.dataSource.query(
      `SELECT 1 FROM order_sync.outbox b JOIN order_sync.orders o ON o.id = b.order_id WHERE o.platform_order_id LIKE 'P%' AND b.status = 'pending'`,
    );
    expect(pending).toEqual([]);
    expect((await post('/erp/orders/ack').send({ cursor }).expect(200)).body).toEqual({ acked: 0 });
    const hist = await h.registry.getSingleMetricAsString('omnisync_order_pay_to_erp_ack_seconds');
    expect(hist).toMatch(/omnisync_order_pay_to_erp_ack_seconds_count\{platform="douyin"\} \d+/);
    h.app.get(ErpPushProcessor).worker.resume();
  });

  it('retries failed outbox rows from the ops endpoint, the caller merchant\'s only', async () => {
    const server = h.app.getHttpServer();
    const post = (as: string) => request(server).post('/ops/outbox/retry').set('x-omnisync-merchant-id', as);
    // merchant OTHER's shop and a failed delivery of its own
    const OTHER_SHOP = '7a4e1f3c-0000-4000-8000-0000000000b2';
    await h.db.dataSource.query(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-shop-b', 'shop b', 'dy-app-b', '\\x00')`,
      [OTHER_SHOP, OTHER],
    );
    const now = Date.now();
    const at = new Date(now - 1000).toISOString();
    // rows written, no push job enqueued (the ingest service does that): both stay pending until set failed below
    await h.db.dataSource.transaction((em) =>
      h.app.get(OrderUpsertRepository).apply(em, [
        buildOrder({ shopId: OTHER_SHOP, id: 'RB1', status: 'paid', updatedAt: at, paidAt: at }),
        buildOrder({ shopId: SHOP_ID, id: 'RA1', status: 'paid', updatedAt: at, paidAt: at }),
      ]),
    );
    const bRow = async () =>
      ((await h.db.dataSource.query(
        `SELECT b.id::text AS id, b.status, b.attempts FROM order_sync.outbox b JOIN order_sync.orders o ON o.id = b.order_id WHERE o.platform_order_id = 'RB1'`,
      )) as { id: string; status: string; attempts: number }[])[0];
    await h.db.dataSource.query(`UPDATE order_sync.outbox SET status = 'failed', attempts = 7, last_error = 'invalid_request: b' WHERE id = $1`, [(await bRow()).id]);
    const [row] = await h.db.dataSource.query(
      `UPDATE order_sync.outbox SET status = 'failed', last_error = 'invalid_request: bad sku'
        WHERE order_id = (SELECT id FROM order_sync.orders WHERE platform_order_id = 'RA1') RETURNING id::text AS id`,
    ).then((r: [{ id: string }[], number]) => r[0]);
    const bId = (await bRow()).id;

    // MERCHANT's own view counts its failed row, not OTHER's
    const mine = await request(server).get('/ops/queues').set('x-omnisync-merchant-id', MERCHANT).expect(200);
    expect(mine.body.outbox.failed).toBe(1);
    const theirs = await request(server).get('/ops/queues').set('x-omnisync-merchant-id', OTHER).expect(200);
    expect(theirs.body.outbox).toEqual({ failed: 1, pending: 0, oldestPendingAgeMs: null });
    expect(theirs.body.shipments).toEqual({ failed: 0, pending: 0, oldestPendingAgeMs: null });
    expect(theirs.body.inbox).toMatchObject({ pending: 0, failed: 0 });
    await request(server).get('/ops/queues').expect(400);

    // B's id from A: not found, nothing of B's changes; `all` covers A's rows only
    expect((await post(MERCHANT).send({ ids: [bId] }).expect(200)).body).toEqual({ retried: [], notFound: [bId], enqueued: false });
    const res = await post(MERCHANT).send({ all: true }).expect(200);
    expect(res.body.retried).toEqual([row.id]);
    expect(await bRow()).toEqual({ id: bId, status: 'failed', attempts: 7 });
    await waitFor(async () => (await h.db.dataSource.query(`SELECT 1 FROM order_sync.outbox WHERE id = $1 AND status = 'delivered'`, [row.id])).length === 1, 10_000, 'redelivered');
    expect((await bRow()).status).toBe('failed');

    // B retries its own
    expect((await post(OTHER).send({ ids: [bId] }).expect(200)).body).toEqual({ retried: [bId], notFound: [], enqueued: true });
    await waitFor(async () => (await bRow()).status === 'delivered', 10_000, 'B redelivered by B');

    await post(MERCHANT).send({ ids: ['x'] }).expect(400).expect((r) => expect(JSON.stringify(r.body)).toContain('ids'));
    await request(server).post('/ops/outbox/retry').send({ all: true }).expect(400);
  });
});
