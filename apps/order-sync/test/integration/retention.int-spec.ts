/**
 * Retention (issue 12 item 4, docs/adr/0013) on real Postgres: two merchants' old and new, finished and
 * unfinished rows in every swept table; one sweep; exactly which rows are gone. Merchant B's longer retention
 * keeps B's rows; pending and unresolved-failed rows of any age stay; message ids inside the 7-day floor stay, so
 * a redelivered push is still deduplicated by the real inbox writer; orders are never touched.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { MERCHANT_HEADER } from '@app/service-auth';
import { QUEUE } from '@app/contracts';
import { InboxWriter } from '@app/intake';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../../src/order-sync.options';
import { DEFAULT_RETENTION_OPTIONS } from '../../src/retention/retention-policy';
import { RetentionSweeperService, SWEPT_TABLES } from '../../src/retention/retention-sweeper.service';
import { createHarness, SHOP_ID, type Harness } from '../harness';

const MERCHANT_A = '5e7a0000-0000-4000-8000-00000000000a';
const MERCHANT_B = '5e7a0000-0000-4000-8000-00000000000b';
const SHOP_B = '7a4e1f3c-0000-4000-8000-00000000000b';

describe('retention sweeper', () => {
  let h: Harness;
  const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000 - 60_000).toISOString();

  beforeAll(async () => {
    h = await createHarness({
      options: {
        // the deployment's inbox default is below the floor on purpose (env validation forbids it; the sweeper clamps too)
        retention: { ...DEFAULT_RETENTION_OPTIONS, batchRows: 2, maxBatchesPerTick: 1000, days: { inbox: 3, outbox: 30, slaEvents: 90, audit: 30, outages: 90 } },
      },
    });
    await q(`INSERT INTO core.merchants (id, name) VALUES ($1, 'ma'), ($2, 'mb') ON CONFLICT DO NOTHING`, [MERCHANT_A, MERCHANT_B]);
    await q(
      `INSERT INTO core.shops (id, merchant_id, platform, platform_shop_id, name, app_key, credentials)
       VALUES ($1, $2, 'douyin', 'dy-shop-1', 'a', 'dy-app', '\\x00'), ($3, $4, 'douyin', 'dy-shop-b', 'b', 'dy-app', '\\x00')`,
      [SHOP_ID, MERCHANT_A, SHOP_B, MERCHANT_B],
    );
    // B keeps everything 60 days (SLA events 120)
    await q(`INSERT INTO order_sync.retention_settings (merchant_id, inbox_days, outbox_days, sla_events_days, audit_days) VALUES ($1, 60, 60, 120, 60)`, [MERCHANT_B]);
  });
  afterAll(async () => {
    await h.close();
  });

  async function inbox(label: string, shopId: string | null, days: number, status: string, attempts = 1): Promise<string> {
    const [r] = await q(
      `INSERT INTO order_sync.inbox (platform, app_key, message_id, platform_shop_id, shop_id, topic, kind, platform_order_id, raw, received_at, status, attempts, processed_at)
       VALUES ('douyin', 'dy-app', $1, 'dy-shop-1', $2, '101', 'order', $1, '{}', $3, $4, $5, CASE WHEN $4 = 'pending' THEN NULL ELSE $3::timestamptz END)
       RETURNING id::text AS id`,
      [label, shopId, ago(days), status, attempts],
    );
    return r.id;
  }
  async function outbox(label: string, merchantId: string | null, days: number, status: string): Promise<string> {
    const [r] = await q(
      `INSERT INTO order_sync.outbox (order_id, version, kind, idempotency_key, payload, status, attempts, created_at, delivered_at, merchant_id)
       VALUES ($1, 1, 'push', $2, '{}', $3, 1, $4, CASE WHEN $3 = 'delivered' THEN $4::timestamptz END, $5) RETURNING id::text AS id`,
      [randomUUID(), label, status, ago(days), merchantId],
    );
    return r.id;
  }
  async function order(shopId: string, platformOrderId: string): Promise<string> {
    const [r] = await q(
      `INSERT INTO order_sync.orders (id, platform, shop_id, platform_order_id, status, platform_status, platform_updated_at, status_rank,
                                      created_at_platform, total_fen, paid_fen, shipping_fen, discount_fen, buyer_enc, items, first_seen_at)
       VALUES ($1, 'douyin', $2, $3, 'paid', '2', now(), 1, now(), 100, 100, 0, 0, '\\x00', '[]', now() - interval '400 days') RETURNING id::text AS id`,
      [randomUUID(), shopId, platformOrderId],
    );
    return r.id;
  }
  const ids = async (table: string): Promise<string[]> => (await q(`SELECT id::text AS id FROM order_sync.${table} ORDER BY id`)).map((r: { id: string }) => r.id).sort();

  it('deletes exactly the finished rows past their merchant’s retention, in bounded batches, and counts them', async () => {
    // ---- inbox: A's default is 3 days, clamped to the 7-day floor; B keeps 60
    const keepInbox = [
      await inbox('a-processed-5d', SHOP_ID, 5, 'processed'), // inside the floor: a redelivery must still be a duplicate
      await inbox('a-pending-30d', SHOP_ID, 30, 'pending'), // unprocessed: never
      await inbox('a-failed-30d', SHOP_ID, 30, 'failed', 4), // failed and nobody resolved it: still an exception
      await inbox('b-processed-20d', SHOP_B, 20, 'processed'),
      await inbox('b-pending-400d', SHOP_B, 400, 'pending'),
    ];
    const dropInbox = [
      await inbox('a-processed-8d', SHOP_ID, 8, 'processed'),
      await inbox('a-processed-20d', SHOP_ID, 20, 'processed'),
      await inbox('a-ignored-20d', SHOP_ID, 20, 'ignored'),
      await inbox('a-failed-resolved-30d', SHOP_ID, 30, 'failed', 3),
      await inbox('b-processed-70d', SHOP_B, 70, 'processed'),
      await inbox('noshop-processed-20d', null, 20, 'processed'),
    ];
    // the resolution names the row and its attempts (ExceptionsRepository's key); B's resolution of A's row would not count
    await q(`INSERT INTO order_sync.exception_resolutions (merchant_id, key) VALUES ($1, $2), ($3, $4)`, [
      MERCHANT_A, `push_unprocessable:${dropInbox[3]}:3`, MERCHANT_B, `push_unprocessable:${keepInbox[2]}:4`,
    ]);

    // ---- outbox: 30 days for A and rows of no merchant, 60 for B
    const keepOutbox = [
      await outbox('a-delivered-10d', MERCHANT_A, 10, 'delivered'),
      await outbox('a-pending-40d', MERCHANT_A, 40, 'pending'),
      await outbox('a-failed-40d', MERCHANT_A, 40, 'failed'),
      await outbox('b-delivered-40d', MERCHANT_B, 40, 'delivered'),
      await outbox('none-failed-40d', null, 40, 'failed'),
    ];
    const dropOutbox = [
      await outbox('a-delivered-40d', MERCHANT_A, 40, 'delivered'),
      await outbox('a-failed-resolved-40d', MERCHANT_A, 40, 'failed'),
      await outbox('b-delivered-70d', MERCHANT_B, 70, 'delivered'),
      await outbox('none-delivered-40d', null, 40, 'delivered'),
    ];
    await q(`INSERT INTO order_sync.exception_resolutions (merchant_id, key) VALUES ($1, $2), ($3, $4)`, [
      MERCHANT_A, `erp_rejected:${dropOutbox[1]}:1`, MERCHANT_B, `erp_rejected:${keepOutbox[2]}:1`,
    ]);

    // ---- ERP attempt history: the outbox's days (30 for A, 60 for B), by the attempt's own time
    const attempt = async (outboxId: string, days: number): Promise<string> =>
      (await q(`INSERT INTO order_sync.erp_attempts (outbox_id, at, outcome, error) VALUES ($1, $2, 'retry', 'unavailable: HTTP 503') RETURNING id::text AS id`, [outboxId, ago(days)]))[0].id;
    const keepAttempts = [await attempt(keepOutbox[0], 10), await attempt(keepOutbox[3], 40)];
    const dropAttempts = [await attempt(keepOutbox[1], 40), await attempt(keepOutbox[3], 70)];

    // ---- SLA events: 90 days for A, 120 for B
    const sla = async (merchantId: string, days: number): Promise<string> =>
      (await q(
        `INSERT INTO order_sync.sla_events (order_id, platform, level, cause, age_ms, at, merchant_id, source, alerted_at)
         VALUES ($1, 'douyin', 'breach', 'erp_slow', 31000, $2, $3, 'waiting', $2) RETURNING id::text AS id`,
        [randomUUID(), ago(days), merchantId],
      ))[0].id;
    const keepSla = [await sla(MERCHANT_A, 10), await sla(MERCHANT_B, 100)];
    const dropSla = [await sla(MERCHANT_A, 100), await sla(MERCHANT_B, 130)];

    // ---- audit tables: 30 days for A, 60 for B; the order rows themselves stay whatever their age
    const orderA = await order(SHOP_ID, 'o-a');
    const orderB = await order(SHOP_B, 'o-b');
    const rejected = async (orderId: string, days: number): Promise<string> =>
      (await q(
        `INSERT INTO order_sync.order_transitions_rejected (order_id, platform, platform_order_id, from_status, to_status, platform_updated_at, platform_status, at)
         VALUES ($1, 'douyin', 'o', 'shipped', 'paid', now(), '2', $2) RETURNING id::text AS id`,
        [orderId, ago(days)],
      ))[0].id;
    const keepRejected = [await rejected(orderA, 10), await rejected(orderB, 40)];
    const dropRejected = [await rejected(orderA, 40), await rejected(orderB, 70)];
    const refused = async (shopId: string, days: number): Promise<string> =>
      (await q(
        `INSERT INTO order_sync.orders_refused (shop_id, platform, platform_order_id, reason, at) VALUES ($1, 'douyin', 'o', 'not_asked', $2) RETURNING id::text AS id`,
        [shopId, ago(days)],
      ))[0].id;
    const keepRefused = [await refused(SHOP_ID, 10), await refused(SHOP_B, 40)];
    const dropRefused = [await refused(SHOP_ID, 40), await refused(SHOP_B, 70)];

    // ---- outages: the deployment's 90 days
    const outage = async (days: number): Promise<string> =>
      (await q(
        `INSERT INTO order_sync.dependency_outages (dependency, started_at, ended_at, instance) VALUES ('redis', $1, $1, $2) RETURNING id::text AS id`,
        [ago(days), randomUUID()],
      ))[0].id;
    const keepOutage = [await outage(10)];
    const dropOutage = [await outage(100), await outage(200)];

    const result = await h.app.get(RetentionSweeperService).sweep();

    expect(result).toEqual({
      inbox: dropInbox.length,
      outbox: dropOutbox.length,
      erp_attempts: dropAttempts.length,
      sla_events: dropSla.length,
      order_transitions_rejected: dropRejected.length,
      orders_refused: dropRefused.length,
      dependency_outages: dropOutage.length,
    });
    expect(await ids('inbox')).toEqual([...keepInbox].sort());
    expect(await ids('outbox')).toEqual([...keepOutbox].sort());
    expect(await ids('erp_attempts')).toEqual([...keepAttempts].sort());
    expect(await ids('sla_events')).toEqual([...keepSla].sort());
    expect(await ids('order_transitions_rejected')).toEqual([...keepRejected].sort());
    expect(await ids('orders_refused')).toEqual([...keepRefused].sort());
    expect(await ids('dependency_outages')).toEqual([...keepOutage].sort());
    expect((await q(`SELECT id::text AS id FROM order_sync.orders ORDER BY id`)).map((r: { id: string }) => r.id)).toEqual([orderA, orderB].sort());

    // the counter, by table
    const metric = await h.registry.getSingleMetric('omnisync_retention_rows_deleted_total')!.get();
    const byTable = Object.fromEntries(metric.values.map((v) => [v.labels.table, v.value]));
    expect(byTable).toEqual({ inbox: 6, outbox: 4, erp_attempts: 2, sla_events: 2, order_transitions_rejected: 2, orders_refused: 2, dependency_outages: 2 });

    // a second sweep finds nothing more
    expect(Object.values(await h.app.get(RetentionSweeperService).sweep()).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('keeps a message id inside the floor: the platform redelivering it is still a duplicate for the inbox writer', async () => {
    await h.queue(QUEUE.ORDER_EVENTS).pause();
    const writer = h.app.get(InboxWriter);
    const redeliver = (messageId: string) =>
      writer.write([
        {
          message: { platform: 'douyin', messageId, platformShopId: 'dy-shop-1', topic: '101', kind: 'order', platformOrderId: messageId, occurredAt: new Date().toISOString(), raw: '{}' },
          appKey: 'dy-app',
          shopId: SHOP_ID,
        },
      ]);
    // kept by the 7-day floor although the deployment asked for 3 days
    expect(await redeliver('a-processed-5d')).toEqual({ insertedIds: [], duplicates: 1 });
    // past the retention the id is gone: a redelivery that late would be taken as new (why the floor exists)
    const late = await redeliver('a-processed-20d');
    expect(late.duplicates).toBe(0);
    expect(late.insertedIds).toHaveLength(1);
    await writer.flush();
  });

  it('bounds a tick: batchRows rows per statement, maxBatchesPerTick statements per table', async () => {
    const opts = h.app.get<OrderSyncOptions>(ORDER_SYNC_OPTIONS);
    for (let i = 0; i < 7; i++) await outbox(`bulk-${i}`, MERCHANT_A, 45, 'delivered');
    const bounded = new RetentionSweeperService(h.db.dataSource, { ...opts, retention: { ...opts.retention, batchRows: 2, maxBatchesPerTick: 2 } });
    expect((await bounded.sweep()).outbox).toBe(4);
    expect((await bounded.sweep()).outbox).toBe(3);
    expect((await bounded.sweep()).outbox).toBe(0);
  });

  it('vacuums the churning tables autovacuum does not cover (off globally, or off on the table), at most every vacuumIntervalMs', async () => {
    const opts = h.app.get<OrderSyncOptions>(ORDER_SYNC_OPTIONS);
    await q(`ALTER TABLE order_sync.outbox SET (autovacuum_enabled = false)`);
    try {
      const vacuums = async (): Promise<number> =>
        Number((await q(`SELECT vacuum_count FROM pg_stat_user_tables WHERE schemaname = 'order_sync' AND relname = 'outbox'`))[0].vacuum_count);
      const settle = async (want: (n: number) => boolean): Promise<number> => {
        for (let i = 0; i < 15; i++) {
          const n = await vacuums();
          if (want(n)) return n;
          await new Promise((r) => setTimeout(r, 100));
        }
        return vacuums();
      };
      const before = await vacuums();
      const sweeper = new RetentionSweeperService(h.db.dataSource, { ...opts, retention: { ...opts.retention, vacuumIntervalMs: 60_000 } });
      await sweeper.sweep();
      const after = await settle((n) => n > before);
      expect(after).toBe(before + 1);
      // within the interval: no second VACUUM
      await sweeper.sweep();
      expect(await settle((n) => n > after)).toBe(after);
      // 0: never
      await new RetentionSweeperService(h.db.dataSource, { ...opts, retention: { ...opts.retention, vacuumIntervalMs: 0 } }).sweep();
      expect(await settle((n) => n > after)).toBe(after);
    } finally {
      await q(`ALTER TABLE order_sync.outbox RESET (autovacuum_enabled)`);
    }
  });

  it('a merchant keeping less than the default loses its rows sooner, nobody else’s', async () => {
    await q(`INSERT INTO order_sync.retention_settings (merchant_id, outbox_days) VALUES ($1, 12) ON CONFLICT (merchant_id) DO UPDATE SET outbox_days = 12`, [MERCHANT_A]);
    try {
      const gone = await outbox('a-delivered-15d', MERCHANT_A, 15, 'delivered');
      const kept = [await outbox('b-delivered-15d', MERCHANT_B, 15, 'delivered'), await outbox('none-delivered-15d', null, 15, 'delivered')];
      const before = await ids('outbox');
      expect((await h.app.get(RetentionSweeperService).sweep()).outbox).toBe(1);
      expect(await ids('outbox')).toEqual(before.filter((id) => id !== gone));
      expect(await ids('outbox')).toEqual(expect.arrayContaining(kept));
    } finally {
      await q(`DELETE FROM order_sync.retention_settings WHERE merchant_id = $1`, [MERCHANT_A]);
    }
  });

  it('walks an index for every swept table (the migration added the missing ones)', async () => {
    const rows: { indexname: string }[] = await q(`SELECT indexname FROM pg_indexes WHERE schemaname = 'order_sync'`);
    const have = new Set(rows.map((r) => r.indexname));
    expect(SWEPT_TABLES.map((t) => t.index).filter((i) => !have.has(i))).toEqual([]);
    // with sequential scans off the planner must find a path through the index for the inbox batch
    await q(`SET enable_seqscan = off`);
    try {
      const plan: { 'QUERY PLAN': string }[] = await q(
        `EXPLAIN SELECT t.id FROM order_sync.inbox t WHERE t.status <> 'pending' AND t.received_at < now() - interval '7 days'
           AND (t.received_at, t.id) > ('-infinity'::timestamptz, 0) ORDER BY t.received_at, t.id LIMIT 1000`,
      );
      expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('idx_inbox_done_received_at');
    } finally {
      await q(`RESET enable_seqscan`);
    }
  });

  it('runs on one instance at a time: the retention lease', async () => {
    const opts = h.app.get<OrderSyncOptions>(ORDER_SYNC_OPTIONS);
    const one = new RetentionSweeperService(h.db.dataSource, opts);
    const two = new RetentionSweeperService(h.db.dataSource, opts);
    expect(await one.tickIfLeader()).not.toBeNull();
    expect(await two.tickIfLeader()).toBeNull();
    // the leader stops (graceful shutdown releases the lease): the other takes over on its next try
    await one.onModuleDestroy();
    expect(await two.tickIfLeader()).not.toBeNull();
    expect(await one.tickIfLeader()).toBeNull();
    await two.onModuleDestroy();
  });
  it('GET / PATCH /retention-settings: the caller merchant only, whole days at least the floor, a 400 naming the field changes nothing', async () => {
    const http = () => request(h.app.getHttpServer());
    const settingsOf = async (m: string) => (await q(`SELECT inbox_days, outbox_days, sla_events_days, audit_days FROM order_sync.retention_settings WHERE merchant_id = $1`, [m]))[0] ?? null;
    const before = await settingsOf(MERCHANT_B);

    const a = await http().get('/retention-settings').set(MERCHANT_HEADER, MERCHANT_A).expect(200);
    // A set nothing: the deployment's defaults, the inbox's 3 raised to its floor
    expect(a.body.inbox).toEqual({ days: 7, merchantDays: null, defaultDays: 7, floorDays: 7 });
    expect(a.body.outbox).toEqual({ days: 30, merchantDays: null, defaultDays: 30, floorDays: 7 });

    for (const [body, field] of [
      [{ inboxDays: 6 }, 'inboxDays'],
      [{ outboxDays: 10, slaEventsDays: 'ninety' }, 'slaEventsDays'],
      [{ auditDays: 1.5 }, 'auditDays'],
      [{ inboxDays: 100_000 }, 'inboxDays'],
      [{ merchantId: MERCHANT_B, inboxDays: 10 }, 'merchantId'],
    ] as const) {
      const res = await http().patch('/retention-settings').set(MERCHANT_HEADER, MERCHANT_A).send(body).expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
    expect(await settingsOf(MERCHANT_A)).toBeNull();

    const set = await http().patch('/retention-settings').set(MERCHANT_HEADER, MERCHANT_A).send({ inboxDays: 10, outboxDays: null }).expect(200);
    expect(set.body.inbox).toEqual({ days: 10, merchantDays: 10, defaultDays: 7, floorDays: 7 });
    expect(set.body.outbox.merchantDays).toBeNull();
    expect(await settingsOf(MERCHANT_A)).toEqual({ inbox_days: 10, outbox_days: null, sla_events_days: null, audit_days: null });
    // B's row is B's: untouched by A's call, and B reads its own
    expect(await settingsOf(MERCHANT_B)).toEqual(before);
    const b = await http().get('/retention-settings').set(MERCHANT_HEADER, MERCHANT_B).expect(200);
    expect(b.body.inbox).toEqual({ days: 60, merchantDays: 60, defaultDays: 7, floorDays: 7 });

    // the table refuses a value under the floor whoever writes it
    await expect(q(`UPDATE order_sync.retention_settings SET inbox_days = 6 WHERE merchant_id = $1`, [MERCHANT_B])).rejects.toThrow(/ck_retention_settings_inbox_days/);
  });
});
