import { createHash } from 'node:crypto';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { QUEUE, type Platform } from '@app/contracts';
import { InboxWriter, PlatformAdapterLookup } from '@app/intake';
import { PLATFORM_MANIFESTS, PlatformRegistry, ShopDirectory, douyinManifestForTests, platformRegistry, type PlatformAdapterDeps, type PushMessage } from '@app/platforms';
import { kuaishouAppSecret } from '@app/platforms/kuaishou/kuaishou.credentials';
import { ksEncryptPush } from '@app/platforms/kuaishou/kuaishou.push';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { FakePlatformAdapter, FakeShopDirectory, fakeSign, type FakePushItem } from '@app/testing/fakes';
import { applyWebhookBodyParser, WebhooksModule } from './webhooks.module';

const REDIS = { host: '127.0.0.1', port: 6379 };

describe('webhook intake (gateway routes + InboxWriter group commit)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let prefix: string;
  let writer: InboxWriter;
  let queue: Queue;
  const shops = new FakeShopDirectory();
  shops.addShop({ shopId: '7a4e1f3c-0000-4000-8000-000000000009', platform: 'douyin', platformShopId: 'dy-9', appKey: 'dy-app', appSecret: 'dy-secret' });
  // merchant B's shop under B's own app
  const SHOP_B = '7a4e1f3c-0000-4000-8000-00000000000b';
  shops.addShop({ shopId: SHOP_B, platform: 'douyin', platformShopId: 'dy-b', appKey: 'dy-app-b', appSecret: 'dy-secret-b' });
  // Kuaishou: the real adapter's push verification (AES body, the app named in the URL's query)
  const KS_KEY = Buffer.alloc(32, 9).toString('base64');
  const KS_SHOP = '7a4e1f3c-0000-4000-8000-0000000000c5';
  shops.addShop({ shopId: KS_SHOP, platform: 'kuaishou', platformShopId: 'ks-open-1', appKey: 'ks-app', appSecret: kuaishouAppSecret({ appSecret: 'a', signSecret: 's', messageKey: KS_KEY }) });
  const XHS_SHOP = '7a4e1f3c-0000-4000-8000-0000000000a1';
  shops.addShop({ shopId: XHS_SHOP, platform: 'xiaohongshu', platformShopId: 'xhs-seller-1', appKey: 'xhs-app', appSecret: 'xhs-secret' });
  const adapters: Record<Platform, { verifyPush: unknown; pushReply: unknown }> = {
    kuaishou: platformRegistry.get('kuaishou').createAdapter({ options: { timeoutMs: 1000 } } as unknown as PlatformAdapterDeps),
    douyin: new FakePlatformAdapter('douyin'),
    taobao: new FakePlatformAdapter('taobao'),
    // the real adapter: its push signature covers the request path, which only the route knows
    xiaohongshu: platformRegistry.get('xiaohongshu').createAdapter({ options: { timeoutMs: 1000 } } as unknown as PlatformAdapterDeps),
    // a fifth platform known only to this test's registry: no app code names it
    fifthplat: new FakePlatformAdapter('fifthplat'),
  };
  shops.addShop({ shopId: '7a4e1f3c-0000-4000-8000-00000000005f', platform: 'fifthplat', platformShopId: 'f5-1', appKey: 'f5-app', appSecret: 'f5-secret' });
  const testRegistry = new PlatformRegistry([...PLATFORM_MANIFESTS, { ...douyinManifestForTests, name: 'fifthplat', displayName: 'Fifth (test only)' }]);

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    prefix = testPrefix('wh');
    @Global()
    @Module({
      providers: [
        { provide: DataSource, useValue: db.dataSource },
        { provide: ShopDirectory, useValue: shops },
        { provide: PlatformAdapterLookup, useValue: { get: (p: Platform) => adapters[p] } },
      ],
      exports: [DataSource, ShopDirectory, PlatformAdapterLookup],
    })
    class Ports {}
    const ref = await Test.createTestingModule({
      imports: [Ports, BullModule.forRoot({ connection: REDIS, prefix }), WebhooksModule.register({ platforms: testRegistry })],
    }).compile();
    app = ref.createNestApplication({ logger: ['error'] });
    applyWebhookBodyParser(app);
    await app.init();
    writer = app.get(InboxWriter);
    queue = app.get<Queue>(getQueueToken(QUEUE.ORDER_EVENTS));
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await app.close();
    await db.drop();
  });
  beforeEach(async () => {
    await db.dataSource.query(`TRUNCATE order_sync.inbox`);
  });

  const count = async (): Promise<number> => (await db.dataSource.query(`SELECT count(*)::int AS n FROM order_sync.inbox`))[0].n;
  const push = (items: FakePushItem[] | string, sign?: string, as = { appKey: 'dy-app', secret: 'dy-secret' }) => {
    const body = typeof items === 'string' ? items : JSON.stringify(items);
    return request(app.getHttpServer())
      .post('/webhooks/douyin')
      .set('content-type', 'application/json')
      .set('app-id', as.appKey)
      .set('event-sign', sign ?? fakeSign(as.appKey, body, as.secret))
      .send(body);
  };
  const asB = { appKey: 'dy-app-b', secret: 'dy-secret-b' };
  const rowsOf = async (msgId: string): Promise<{ app_key: string; shop_id: string | null; status: string; last_error: string | null }[]> =>
    db.dataSource.query(`SELECT app_key, shop_id, status, last_error FROM order_sync.inbox WHERE message_id = $1 ORDER BY id`, [msgId]);

  describe('POST /webhooks/:platform dispatch through the registry', () => {
    it('an unknown platform is 404 naming it, and nothing is stored', async () => {
      const res = await request(app.getHttpServer()).post('/webhooks/nosuchplatform').set('content-type', 'application/json').send('[]').expect(404);
      expect(res.body.message).toContain(`unknown platform "nosuchplatform"; webhooks exist for: ${testRegistry.pushPlatforms().join(', ')}`);
      expect(testRegistry.pushPlatforms()).toEqual(expect.arrayContaining(['douyin', 'xiaohongshu', 'fifthplat']));
      expect(await count()).toBe(0);
    });
    it('a registered platform without HTTP push (taobao, TMC) is 404 saying so', async () => {
      const res = await request(app.getHttpServer()).post('/webhooks/taobao').set('content-type', 'application/json').send('[]').expect(404);
      expect(res.body.message).toMatch(/platform taobao does not push over HTTP/);
    });
    it('a fifth platform registered in a test registry flows through the same route into the inbox', async () => {
      const item: FakePushItem = { msgId: 'f5-msg-1', shopId: 'f5-1', orderId: 'F5O1', updatedAt: new Date().toISOString() };
      const body = JSON.stringify([item]);
      await request(app.getHttpServer())
        .post('/webhooks/fifthplat')
        .set('content-type', 'application/json')
        .set('app-id', 'f5-app')
        .set('event-sign', fakeSign('f5-app', body, 'f5-secret'))
        .send(body)
        .expect(200);
      const rows = await db.dataSource.query(`SELECT platform, shop_id, status FROM order_sync.inbox WHERE message_id = 'f5-msg-1'`);
      expect(rows).toEqual([{ platform: 'fifthplat', shop_id: '7a4e1f3c-0000-4000-8000-00000000005f', status: 'pending' }]);
    });
  });

  describe('kuaishou: AES-encrypted pushes naming their app in the URL', () => {
    const message = (msgId: string) =>
      ksEncryptPush(
        JSON.stringify({ msgId, eventId: `e-${msgId}`, bizId: '2412300000000000001', openId: 'ks-open-1', appKey: 'ks-app', event: 'kwaishop_order_paySuccess', info: JSON.stringify({ oid: '2412300000000000001', status: 30, updateTime: Date.now() }), updateTime: Date.now() }),
        KS_KEY,
      );
    it('stores a push to /webhooks/kuaishou?appKey= and answers {"result":1}', async () => {
      const res = await request(app.getHttpServer()).post('/webhooks/kuaishou?appKey=ks-app').set('content-type', 'text/plain;charset=utf-8').send(message('ks-msg-1')).expect(200);
      expect(res.body).toEqual({ result: 1 });
      expect(await rowsOf('ks-msg-1')).toEqual([{ app_key: 'ks-app', shop_id: KS_SHOP, status: 'pending', last_error: null }]);
    });
    it('refuses a push without the app in its URL, or under another app, and stores nothing', async () => {
      const body = message('ks-msg-2');
      const res = await request(app.getHttpServer()).post('/webhooks/kuaishou').set('content-type', 'text/plain;charset=utf-8').send(body).expect(401);
      expect(res.body).not.toEqual({ result: 1 });
      await request(app.getHttpServer()).post('/webhooks/kuaishou?appKey=dy-app').set('content-type', 'text/plain;charset=utf-8').send(body).expect(401);
      expect(await count()).toBe(0);
    });
  });

  describe('xiaohongshu: the signature covers the request path and query, not the body', () => {
    const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
    const body = (msgTag: string) =>
      JSON.stringify([{ msgTag, sellerId: 'xhs-seller-1', data: JSON.stringify({ orderId: 'P712345678901234567', orderStatus: 4, updateTime: 1717000000123 }) }]);
    it('stores a push to /webhooks/xiaohongshu?src=ark signed MD5(path ? app-key, src, timestamp + secret)', async () => {
      const ts = String(Math.floor(Date.now() / 1000));
      const sign = md5(`/webhooks/xiaohongshu?app-key=xhs-app&src=ark&timestamp=${ts}xhs-secret`);
      const res = await request(app.getHttpServer())
        .post('/webhooks/xiaohongshu?src=ark')
        .set('content-type', 'application/json')
        .set({ 'app-key': 'xhs-app', timestamp: ts, sign })
        .send(body('msg_fulfillment_status_change'))
        .expect(200);
      expect(res.body).toEqual({ success: true, error_code: 0, error_msg: '' });
      const rows = await db.dataSource.query(`SELECT app_key, shop_id, status FROM order_sync.inbox WHERE platform = 'xiaohongshu'`);
      expect(rows).toEqual([{ app_key: 'xhs-app', shop_id: XHS_SHOP, status: 'pending' }]);
    });
    it('refuses the same sign on another query, and the old body signature, storing nothing', async () => {
      const ts = String(Math.floor(Date.now() / 1000));
      const sign = md5(`/webhooks/xiaohongshu?app-key=xhs-app&src=ark&timestamp=${ts}xhs-secret`);
      const post = (url: string, s: string, b: string) =>
        request(app.getHttpServer()).post(url).set('content-type', 'application/json').set({ 'app-key': 'xhs-app', timestamp: ts, sign: s }).send(b);
      await post('/webhooks/xiaohongshu?src=other', sign, body('msg_fulfillment_status_change')).expect(401);
      const b = body('msg_fulfillment_status_change');
      await post('/webhooks/xiaohongshu', md5(`xhs-app${ts}${b}xhs-secret`), b).expect(401);
      expect(await count()).toBe(0);
    });
  });

  describe('across merchants', () => {
    it("stores a push signed by A's app that names B's shop under no shop, as ignored; B's own push still verifies", async () => {
      const forged: FakePushItem = { msgId: 'forged-1', shopId: 'dy-b', orderId: 'OB1', updatedAt: new Date().toISOString() };
      await push([forged]).expect(200);
      expect(await rowsOf('forged-1')).toEqual([
        { app_key: 'dy-app', shop_id: null, status: 'ignored', last_error: 'shop not authorised under the app that signed the message' },
      ]);
      // nothing was enqueued for it: the order path never sees it
      const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
      const ids = new Set(jobs.flatMap((j) => (j.data as { inboxIds?: string[] }).inboxIds ?? []));
      const [{ id }] = await db.dataSource.query(`SELECT id::text AS id FROM order_sync.inbox WHERE message_id = 'forged-1'`);
      expect(ids.has(id)).toBe(false);

      const genuine: FakePushItem = { msgId: 'genuine-1', shopId: 'dy-b', orderId: 'OB1', updatedAt: new Date().toISOString() };
      await push([genuine], undefined, asB).expect(200);
      expect(await rowsOf('genuine-1')).toEqual([{ app_key: 'dy-app-b', shop_id: SHOP_B, status: 'pending', last_error: null }]);
      // A signing with B's app key but its own secret is a bad signature
      await push([genuine], fakeSign('dy-app-b', JSON.stringify([genuine]), 'dy-secret')).set('app-id', 'dy-app-b').expect(401);
    });

    it("a message id A pushes first does not swallow B's message with the same id", async () => {
      const now = new Date().toISOString();
      await push([{ msgId: 'same-id', shopId: 'dy-9', orderId: 'OA9', updatedAt: now }]).expect(200);
      await push([{ msgId: 'same-id', shopId: 'dy-b', orderId: 'OB9', updatedAt: now }], undefined, asB).expect(200);
      expect(await rowsOf('same-id')).toEqual([
        { app_key: 'dy-app', shop_id: '7a4e1f3c-0000-4000-8000-000000000009', status: 'pending', last_error: null },
        { app_key: 'dy-app-b', shop_id: SHOP_B, status: 'pending', last_error: null },
      ]);
      // a redelivery of B's message is still a no-op
      await push([{ msgId: 'same-id', shopId: 'dy-b', orderId: 'OB9', updatedAt: now }], undefined, asB).expect(200);
      expect(await rowsOf('same-id')).toHaveLength(2);
    });
  });
  const item = (n: number): FakePushItem => ({ msgId: `msg-${n}`, shopId: 'dy-9', orderId: `O${n}`, updatedAt: new Date().toISOString() });

  it('stores a verified push, answers the platform success body, and enqueues inbox-<id>', async () => {
    const res = await push([item(1), item(2)]).expect(200);
    expect(res.body).toEqual({ code: 0, msg: 'success' });
    // ORDER BY the bigint column (i.id), not the text alias: '10' sorts before '9'
    const rows: { id: string; shop_id: string }[] = await db.dataSource.query(`SELECT i.id::text AS id, i.shop_id FROM order_sync.inbox i ORDER BY i.id`);
    expect(rows).toHaveLength(2);
    expect(rows[0].shop_id).toBe('7a4e1f3c-0000-4000-8000-000000000009');
    await writer.flush();
    // one process-inbox-batch job per commit group, named after its first and last row
    expect(await queue.getJobState(`inbox-batch-${rows[0].id}-${rows[1].id}`)).not.toBe('unknown');
  });

  it('stores a redelivered message once', async () => {
    await push([item(3)]).expect(200);
    await push([item(3)]).expect(200);
    expect(await count()).toBe(1);
  });

  it('rejects a bad signature with the platform failure reply and stores nothing', async () => {
    const res = await push([item(4)], 'deadbeef').expect(401);
    expect(res.body).toEqual({ code: 1, msg: 'fail' });
    expect(await count()).toBe(0);
  });

  it('answers malformed JSON with the platform failure reply', async () => {
    const res = await push('[{"msgId": "x",').expect(400);
    expect(res.body).toEqual({ code: 1, msg: 'fail' });
    expect(await count()).toBe(0);
  });

  it('answers an oversized body with 413 in the platform failure shape', async () => {
    const big = JSON.stringify([{ ...item(5), pad: 'x'.repeat(1024 * 1024 + 10) }]);
    const res = await push(big).expect(413);
    expect(res.body).toEqual({ code: 1, msg: 'fail' });
    expect(await count()).toBe(0);
  });

  it('answers a body nested deeper than 64 levels with 400 in the platform failure shape (never 500), before verifying it', async () => {
    const deep = JSON.stringify([{ ...item(6), data: JSON.parse('['.repeat(100) + ']'.repeat(100)) }]);
    const res = await push(deep).expect(400);
    expect(res.body).toEqual({ code: 1, msg: 'fail' });
    expect(await count()).toBe(0);
    const huge = '['.repeat(200_000) + ']'.repeat(200_000);
    expect((await push(huge).expect(400)).body).toEqual({ code: 1, msg: 'fail' });
  });

  it('group-commits concurrent HTTP pushes', async () => {
    const before = writer.statements;
    const N = 100;
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: N }, (_, i) => push([item(1000 + i)])));
    const ms = Date.now() - started;
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(await count()).toBe(N);
    const statements = writer.statements - before;
    expect(statements).toBeLessThan(N);
    // eslint-disable-next-line no-console
    console.log(`[measure] ${N} concurrent HTTP pushes -> ${statements} INSERT statements in ${ms} ms`);
  });

  it('group-commits concurrent writes: few INSERTs, every row durable when its caller resumes, replays are no-ops', async () => {
    const msg = (n: number): PushMessage => ({
      platform: 'douyin',
      messageId: `gc-${n}`,
      platformShopId: 'dy-9',
      topic: '101',
      kind: 'order',
      platformOrderId: `G${n}`,
      occurredAt: new Date().toISOString(),
      raw: '{}',
    });
    const before = writer.statements;
    const groupsBefore = writer.stats.groups;
    const N = 300;
    const checks: Promise<boolean>[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        writer.write([{ message: msg(i), appKey: 'ak-group', shopId: null }]).then((r) => {
          // durable before resolve: another connection sees the row at once
          checks.push(
            db.dataSource.query(`SELECT 1 FROM order_sync.inbox WHERE id = $1`, [r.insertedIds[0]]).then((x: unknown[]) => x.length === 1),
          );
        }),
      ),
    );
    const ms = Date.now() - started;
    expect((await Promise.all(checks)).every(Boolean)).toBe(true);
    const statements = writer.statements - before;
    expect(await count()).toBe(N);
    expect(statements).toBeLessThanOrEqual(N / 10);
    // eslint-disable-next-line no-console
    console.log(`[measure] group commit: ${N} concurrent writes -> ${statements} INSERT statements (${writer.stats.groups - groupsBefore} groups, largest ${writer.stats.largestGroup}) in ${ms} ms`);

    const again = await Promise.all(Array.from({ length: N }, (_, i) => writer.write([{ message: msg(i), appKey: 'ak-group', shopId: null }])));
    expect(again.every((r) => r.insertedIds.length === 0 && r.duplicates === 1)).toBe(true);
    expect(await count()).toBe(N);
    await writer.flush();
    // every inserted row is in exactly one enqueued batch job, and there are far fewer jobs than rows
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed']);
    const mine = new Set((await db.dataSource.query(`SELECT id::text AS id FROM order_sync.inbox`)).map((r: { id: string }) => r.id));
    const batches = jobs.filter((j) => j.name === 'process-inbox-batch' && (j.data as { inboxIds: string[] }).inboxIds.some((id) => mine.has(id)));
    const ids = batches.flatMap((j) => (j.data as { inboxIds: string[] }).inboxIds);
    expect(new Set(ids)).toEqual(mine);
    expect(ids).toHaveLength(N);
    expect(batches.length).toBeLessThan(N / 2);
  });
});
