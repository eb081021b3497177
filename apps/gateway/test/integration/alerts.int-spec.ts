import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Global, Module } from '@nestjs/common';
import { verifyGenericSignature } from '@app/erp';
import request from 'supertest';
import { startDingtalkRobotSimulator, startWecomRobotSimulator, type RobotSimulator } from '@app/sandbox';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { AlertsModule } from '../../src/alerts/alerts.module';
import { AlertEvaluatorService } from '../../src/alerts/alert-evaluator.service';
import { AlertSenderService } from '../../src/alerts/alert-sender.service';
import { AlertStore } from '../../src/alerts/alert-store';
import type { AlertCondition } from '../../src/alerts/alert-rules';
import { GatewayEnv } from '../../src/config/env.validation';
import { type GatewayHarness, buildGatewayHarness } from './auth.harness';

const OPERATOR_TOKEN = 'operator-token-for-the-alerts-spec';
const DING_SECRET = 'SEC-alerts-spec-secret-A';

/** a stand-in for order-sync and catalog-sync: the signals each merchant has, set by the tests */
interface FakeSignals {
  breakers: Array<{ upstream: string; lane: string; state: string; openSince: string | null }>;
  down: boolean;
}

describe('gateway alerts (channels, evaluator state machine, outbox sender)', () => {
  let db: TestDatabase;
  let h: GatewayHarness;
  let ding: RobotSimulator;
  let wecom: RobotSimulator;
  let upstream: Server;
  const signals = new Map<string, FakeSignals>();
  let A: { key: string; merchantId: string; keyId: string };
  let B: { key: string; merchantId: string; keyId: string };
  let opsA: string;
  let merchandiserA: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    upstream = createServer((req, res) => {
      const m = String(req.headers['x-omnisync-merchant-id'] ?? '');
      const s = signals.get(m) ?? { breakers: [], down: false };
      const path = (req.url ?? '').split('?')[0];
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (s.down) return send(503, { message: 'down' });
      if (path === '/ops/sla') return send(200, { platforms: [], late: [] });
      if (path === '/ops/queues') {
        const none = { pending: 0, failed: 0, oldestPendingAgeMs: null };
        return send(200, { inbox: none, outbox: none, shipments: none, platformQuota: [] });
      }
      if (path === '/ops/breakers') return send(200, { breakers: s.breakers });
      if (path === '/exceptions') return send(200, { exceptions: [] });
      send(404, {});
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const env = Object.assign(new GatewayEnv(), {
      ORDER_SYNC_URL: url,
      CATALOG_SYNC_URL: url,
      INTERNAL_SERVICE_SECRET: 'internal-secret-for-the-alerts-spec-0123456789',
      OPERATOR_TOKEN_SHA256: createHash('sha256').update(OPERATOR_TOKEN).digest('hex'),
    });
    @Global()
    @Module({ providers: [{ provide: GatewayEnv, useValue: env }], exports: [GatewayEnv] })
    class EnvModule {}
    h = await buildGatewayHarness(db.url, {}, [
      EnvModule,
      AlertsModule.register({ enabled: false, groupWindowMs: 0, breakerOpenMs: 1000, repeatMs: { critical: 60_000, warning: 0, info: 0 } }),
    ]);
    ding = await startDingtalkRobotSimulator({ robots: { 'tok-a': { secret: DING_SECRET }, 'tok-b': { secret: DING_SECRET }, 'tok-op': { secret: DING_SECRET } } });
    wecom = await startWecomRobotSimulator({ robots: { 'key-a': { secret: null } } });
    A = await h.keyFor('Alerts A', ['admin']);
    B = await h.keyFor('Alerts B', ['admin', 'ops']);
    opsA = (await h.keyFor('Alerts A', ['ops'])).key;
    merchandiserA = (await h.keyFor('Alerts A', ['merchandiser'])).key;
  });

  afterAll(async () => {
    await ding?.close();
    await wecom?.close();
    await h?.close();
    await new Promise<void>((r) => upstream?.close(() => r()));
    await db?.drop();
  });

  const http = () => request(h.app.getHttpServer());
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
  const dingChannel = (robot: string, over: Record<string, unknown> = {}) => ({ kind: 'dingtalk', name: `群 ${robot}`, url: ding.webhookUrl(robot), secret: DING_SECRET, minLevel: 'warning', ...over });
  const breakerOpen = (merchantId: string, sinceMsAgo: number) =>
    signals.set(merchantId, { down: false, breakers: [{ upstream: 'erp', lane: 'default', state: 'open', openSince: new Date(Date.now() - sinceMsAgo).toISOString() }] });
  const deliveries = async (merchantId: string) =>
    db.dataSource.query(
      `SELECT d.channel_id, d.event, d.status, a.key FROM core.alert_deliveries d JOIN core.alerts a ON a.id = d.alert_id WHERE a.merchant_id = $1 ORDER BY d.id`,
      [merchantId],
    );

  let channelA: string;
  let channelB: string;
  let channelOp: string;

  describe('channels', () => {
    it('bad input: 400 naming the field, nothing stored', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [dingChannel('tok-a', { kind: 'slack' }), /kind must be one of: dingtalk, feishu, wecom, webhook/],
        [dingChannel('tok-a', { secret: undefined }), /secret is required for kind dingtalk/],
        [dingChannel('tok-a', { url: 'not a url' }), /url must be an http\(s\) URL/],
        [dingChannel('tok-a', { url: `${ding.url}/other` }), /url must be a dingtalk webhook URL/],
        [dingChannel('tok-a', { minLevel: 'loud' }), /minLevel must be one of: info, warning, critical/],
        [{ kind: 'wecom', name: 'w', url: wecom.webhookUrl('key-a'), secret: 'not-for-wecom' }, /secret is not a field of kind wecom/],
        [dingChannel('tok-a', { url: 'https://erp.example.com/robot/send?access_token=x' }), /url: outbound URL refused for alert:dingtalk: erp\.example\.com is not a dingtalk robot host/],
        [{ kind: 'webhook', name: 'w', url: 'http://10.0.0.1/hook', secret: 'whsec-123456' }, /url: outbound URL refused for webhook/],
      ];
      for (const [body, message] of cases) {
        const res = await http().post('/alert-channels').set(auth(A.key)).send(body).expect(400);
        expect(JSON.stringify(res.body.message)).toMatch(message);
      }
      expect(await db.dataSource.query(`SELECT * FROM core.alert_channels`)).toHaveLength(0);
    });

    it('an admin adds channels; the URL token and the secret are never shown; other roles get 403', async () => {
      const res = await http().post('/alert-channels').set(auth(A.key)).send(dingChannel('tok-a')).expect(201);
      expect(res.body).toMatchObject({ merchantId: A.merchantId, kind: 'dingtalk', signed: true, minLevel: 'warning', lastError: null });
      expect(res.body.url).toBe(`${ding.url}/robot/send?access_token=****ok-a`);
      expect(JSON.stringify(res.body)).not.toContain(DING_SECRET);
      channelA = res.body.id;
      const [row] = await db.dataSource.query(`SELECT credentials FROM core.alert_channels WHERE id = $1`, [channelA]);
      expect((row.credentials as Buffer).includes(Buffer.from(DING_SECRET))).toBe(false);
      channelB = (await http().post('/alert-channels').set(auth(B.key)).send(dingChannel('tok-b')).expect(201)).body.id;
      await http().post('/alert-channels').set(auth(opsA)).send(dingChannel('tok-a')).expect(403);
      await http().get('/alert-channels').set(auth(merchandiserA)).expect(403);
    });

    it("each merchant lists only its own; another merchant's channel is a 404 to delete or test", async () => {
      expect((await http().get('/alert-channels').set(auth(A.key)).expect(200)).body.map((c: { id: string }) => c.id)).toEqual([channelA]);
      expect((await http().get('/alert-channels').set(auth(B.key)).expect(200)).body.map((c: { id: string }) => c.id)).toEqual([channelB]);
      await http().delete(`/alert-channels/${channelA}`).set(auth(B.key)).expect(404);
      await http().post(`/alert-channels/${channelA}/test`).set(auth(B.key)).expect(404);
      await http().delete('/alert-channels/not-a-uuid').set(auth(A.key)).expect(400);
    });

    it('POST /:id/test sends a signed test message and returns the tool’s answer', async () => {
      ding.clear();
      const res = await http().post(`/alert-channels/${channelA}/test`).set(auth(A.key)).expect(200);
      expect(res.body).toEqual({ ok: true, kind: 'dingtalk', status: 200, code: '0', message: 'ok' });
      expect(ding.accepted('tok-a')).toHaveLength(1);
      expect(ding.accepted('tok-a')[0].body?.markdown.title).toMatch(/测试 test/);
    });

    it('a wrong secret is a channel error: 502 with the robot’s code, kept on the channel', async () => {
      const bad = (await http().post('/alert-channels').set(auth(A.key)).send(dingChannel('tok-a', { name: 'wrong secret', secret: 'SEC-not-the-robots-secret' })).expect(201)).body.id;
      const res = await http().post(`/alert-channels/${bad}/test`).set(auth(A.key)).expect(502);
      expect(res.body.message).toBe('dingtalk channel error: 310000 sign not match');
      const list = (await http().get('/alert-channels').set(auth(A.key)).expect(200)).body;
      expect(list.find((c: { id: string }) => c.id === bad).lastError).toBe('310000 sign not match (HTTP 200)');
      await http().delete(`/alert-channels/${bad}`).set(auth(A.key)).expect(204);
    });

    it("the operator's channel: operator token only, merchant keys 403", async () => {
      await http().post('/operator/alert-channels').set(auth(A.key)).send(dingChannel('tok-op')).expect(403);
      const res = await http().post('/operator/alert-channels').set(auth(OPERATOR_TOKEN)).send(dingChannel('tok-op', { minLevel: 'critical' })).expect(201);
      expect(res.body.merchantId).toBeNull();
      channelOp = res.body.id;
      expect((await http().get('/operator/alert-channels').set(auth(OPERATOR_TOKEN)).expect(200)).body.map((c: { id: string }) => c.id)).toEqual([channelOp]);
      expect((await http().get('/alert-channels').set(auth(A.key)).expect(200)).body.map((c: { id: string }) => c.id)).toEqual([channelA]);
    });
  });

  describe('evaluation, state and outbox', () => {
    const evaluator = () => h.app.get(AlertEvaluatorService);
    const sender = () => h.app.get(AlertSenderService);
    const store = () => h.app.get(AlertStore);
    const keyA = () => `${A.merchantId}:erp_breaker_open:default`;

    it('a breaker open longer than N s fires once: one delivery per channel of A and the operator, none to B', async () => {
      breakerOpen(A.merchantId, 500);
      expect((await evaluator().evaluate(A.merchantId)).fired).toEqual([]);
      breakerOpen(A.merchantId, 5000);
      const t = await evaluator().evaluate(A.merchantId);
      expect(t.fired).toEqual([keyA()]);
      expect(t.deliveries).toBe(2);
      expect((await evaluator().evaluate(A.merchantId)).fired).toEqual([]);
      const rows = await deliveries(A.merchantId);
      expect(rows.map((r: { channel_id: string }) => r.channel_id).sort()).toEqual([channelA, channelOp].sort());
      expect(rows.every((r: { channel_id: string }) => r.channel_id !== channelB)).toBe(true);

      ding.clear();
      const sent = await sender().drain();
      expect(sent).toMatchObject({ messages: 2, delivered: 2, failed: 0 });
      expect(ding.accepted('tok-a')).toHaveLength(1);
      expect(ding.accepted('tok-op')).toHaveLength(1);
      expect(ding.received('tok-b')).toHaveLength(0);
      expect(ding.accepted('tok-a')[0].body?.markdown.text).toContain('严重 critical · 告警 firing');
    });

    it('GET /alerts: the shape the /ops page reads; own merchant for keys, every merchant for the operator', async () => {
      const a = (await http().get('/alerts').set(auth(opsA)).expect(200)).body;
      expect(a.alerts).toEqual([
        {
          key: keyA(),
          rule: 'erp_breaker_open',
          level: 'critical',
          state: 'firing',
          silenced: false,
          merchantId: A.merchantId,
          summary: { zh: expect.stringContaining('ERP 不可用'), en: expect.stringContaining('ERP unavailable') },
          firstFiredAt: expect.any(String),
          lastSentAt: expect.any(String),
          resolvedAt: null,
        },
      ]);
      expect((await http().get('/alerts').set(auth(B.key)).expect(200)).body.alerts).toEqual([]);
      expect((await http().get('/alerts').set(auth(OPERATOR_TOKEN)).expect(200)).body.alerts.map((x: { key: string }) => x.key)).toEqual([keyA()]);
      // the operator acting for one merchant (the ops page's x-ops-merchant) lists only that merchant's
      const forMerchant = (id: string) => http().get('/alerts').set(auth(OPERATOR_TOKEN)).set('x-ops-merchant', id);
      expect((await forMerchant(A.merchantId).expect(200)).body.alerts.map((x: { key: string }) => x.key)).toEqual([keyA()]);
      expect((await forMerchant(B.merchantId).expect(200)).body.alerts).toEqual([]);
      expect((await forMerchant('not-a-merchant').expect(400)).body.message).toMatch(/x-ops-merchant/);
      // a merchant key cannot widen or move its view with the header
      expect((await http().get('/alerts').set(auth(B.key)).set('x-ops-merchant', A.merchantId).expect(200)).body.alerts).toEqual([]);
      await http().get('/alerts').set(auth(merchandiserA)).expect(403);
      await http().get('/alerts').expect(401);
    });

    it('repeats on the level schedule; several alerts for one channel within the window are one message', async () => {
      const cond = (subject: string): AlertCondition => ({ rule: 'queue_oldest_age', subject, level: 'critical', summary: { zh: `积压 ${subject}`, en: `backlog ${subject}` }, details: {}, forMs: 0 });
      const judged = () => true;
      const breaker: AlertCondition = { rule: 'erp_breaker_open', subject: 'default', level: 'critical', summary: { zh: 'ERP 不可用', en: 'ERP unavailable' }, details: {}, forMs: 0 };
      // the breaker alert is due again (its repeat time has come), and two new ones fire
      await db.dataSource.query(`UPDATE core.alerts SET next_repeat_at = now() - interval '1 second' WHERE key = $1`, [keyA()]);
      const t = await store().apply(A.merchantId, [breaker, cond('inbox'), cond('outbox')], judged);
      expect(t.repeated).toEqual([keyA()]);
      expect(t.fired).toHaveLength(2);
      ding.clear();
      await sender().drain();
      expect(ding.accepted('tok-a')).toHaveLength(1);
      const text = ding.accepted('tok-a')[0].body?.markdown.text as string;
      expect(text).toContain('持续 still firing');
      expect(text).toContain('积压 inbox');
      expect(text).toContain('积压 outbox');
      // and not again before the next repeat
      const again = await store().apply(A.merchantId, [breaker, cond('inbox'), cond('outbox')], judged);
      expect(again).toMatchObject({ fired: [], repeated: [], deliveries: 0 });
    });

    it("throttling: a channel at its budget (DingTalk 20 a minute, less one) waits, nothing is lost", async () => {
      await db.dataSource.query(`INSERT INTO core.alert_messages (channel_id, items, ok, code, sent_at) SELECT $1, 1, true, '0', now() - interval '30 seconds' FROM generate_series(1, 19)`, [channelA]);
      await store().apply(A.merchantId, [{ rule: 'sla_breach', subject: 'douyin', level: 'critical', summary: { zh: '超时', en: 'late' }, details: {}, forMs: 0 }], (rule) => rule === 'sla_breach');
      ding.clear();
      const s = await sender().drain();
      expect(s.throttled).toBeGreaterThanOrEqual(1);
      expect(ding.received('tok-a')).toHaveLength(0);
      expect(ding.accepted('tok-op')).toHaveLength(1);
      await db.dataSource.query(`DELETE FROM core.alert_messages WHERE channel_id = $1 AND sent_at < now() - interval '20 seconds'`, [channelA]);
      await sender().drain();
      expect(ding.accepted('tok-a')).toHaveLength(1);
    });

    it('a silenced alert sends nothing; a merchant cannot silence another merchant’s key; bad input is a 400 naming the field', async () => {
      await http().post('/alert-silences').set(auth(B.key)).send({ key: keyA(), durationSec: 600 }).expect(400);
      const bad = await http().post('/alert-silences').set(auth(opsA)).send({ key: keyA(), durationSec: 5 }).expect(400);
      expect(JSON.stringify(bad.body.message)).toMatch(/durationSec must be at least 60/);
      const missing = await http().post('/alert-silences').set(auth(opsA)).send({ durationSec: 600 }).expect(400);
      expect(JSON.stringify(missing.body.message)).toMatch(/key must be/);
      const s = await http().post('/alert-silences').set(auth(opsA)).send({ key: keyA(), durationSec: 600, reason: 'ERP maintenance' }).expect(201);
      expect(s.body).toMatchObject({ key: keyA(), reason: 'ERP maintenance', byOperator: false });
      expect((await http().get('/alert-silences').set(auth(B.key)).expect(200)).body).toEqual([]);
      expect((await http().get('/alerts').set(auth(opsA)).expect(200)).body.alerts.find((x: { key: string }) => x.key === keyA()).silenced).toBe(true);

      // resolve and fire again while silenced: no delivery at all
      signals.set(A.merchantId, { down: false, breakers: [] });
      const ofKey = async () => (await deliveries(A.merchantId)).filter((d: { key: string }) => d.key === keyA()).length;
      const before = await ofKey();
      const r = await evaluator().evaluate(A.merchantId);
      expect(r.resolved).toContain(keyA());
      breakerOpen(A.merchantId, 5000);
      expect((await evaluator().evaluate(A.merchantId)).fired).toEqual([keyA()]);
      expect(await ofKey()).toBe(before);
      // a delivery queued before the silence is dropped at send time
      await db.dataSource.query(
        `INSERT INTO core.alert_deliveries (channel_id, alert_id, event, level, summary_zh, summary_en) SELECT $1, id, 'repeat', 'critical', 'x', 'x' FROM core.alerts WHERE key = $2`,
        [channelA, keyA()],
      );
      ding.clear();
      expect((await sender().drain()).silenced).toBe(1);
      expect(ding.received('tok-a').some((m) => JSON.stringify(m.body).includes(keyA()))).toBe(false);
      await http().delete(`/alert-silences/${s.body.id}`).set(auth(B.key)).expect(404);
      await http().delete(`/alert-silences/${s.body.id}`).set(auth(opsA)).expect(204);
    });

    it('an alert that fired while silenced resolves without a message: no channel was told it fired', async () => {
      signals.set(A.merchantId, { down: false, breakers: [] });
      const r = await evaluator().evaluate(A.merchantId);
      expect(r.resolved).toEqual([keyA()]);
      expect(r.deliveries).toBe(0);
    });

    it('resolves when the condition is gone, to the channels told it fired, but not while its source does not answer', async () => {
      breakerOpen(A.merchantId, 5000);
      expect((await evaluator().evaluate(A.merchantId)).fired).toEqual([keyA()]);
      await sender().drain();
      signals.set(A.merchantId, { down: true, breakers: [] });
      const t = await evaluator().evaluate(A.merchantId);
      expect(t.resolved).toEqual([]);
      expect((await store().list(A.merchantId)).find((x) => x.key === keyA())?.state).toBe('firing');
      signals.set(A.merchantId, { down: false, breakers: [] });
      const r = await evaluator().evaluate(A.merchantId);
      expect(r.resolved).toEqual([keyA()]);
      expect(r.deliveries).toBe(2);
      ding.clear();
      await sender().drain();
      for (const robot of ['tok-a', 'tok-op']) {
        const text = ding.accepted(robot).map((m) => m.body?.markdown.text).join('\n');
        expect(text).toContain(`已恢复 resolved** 已恢复: ERP 不可用`);
      }
      expect(ding.received('tok-b')).toHaveLength(0);
      const list = (await http().get('/alerts').set(auth(opsA)).expect(200)).body.alerts;
      const mine = list.find((x: { key: string }) => x.key === keyA());
      expect(mine).toMatchObject({ state: 'resolved', resolvedAt: expect.any(String) });
      // firing first
      const states = list.map((x: { state: string }) => x.state);
      expect(states).toEqual([...states].sort((x: string, y: string) => (x === y ? 0 : x === 'firing' ? -1 : 1)));
    });

    it('a delivery the robot refuses for its configuration fails with the code, never silently', async () => {
      const wrong = (await http().post('/alert-channels').set(auth(B.key)).send(dingChannel('tok-b', { name: 'wrong', secret: 'SEC-wrong-wrong-wrong' })).expect(201)).body.id;
      await store().apply(B.merchantId, [{ rule: 'sla_breach', subject: 'taobao', level: 'critical', summary: { zh: '超时', en: 'late' }, details: {}, forMs: 0 }], () => true);
      await sender().drain();
      const [row] = await db.dataSource.query(`SELECT status, last_error FROM core.alert_deliveries WHERE channel_id = $1`, [wrong]);
      expect(row).toEqual({ status: 'failed', last_error: 'dingtalk 310000: sign not match' });
      const good = await db.dataSource.query(`SELECT status FROM core.alert_deliveries WHERE channel_id = $1`, [channelB]);
      expect(good.map((g: { status: string }) => g.status)).toEqual(['sent']);
    });

    it('a generic webhook gets the alerts as JSON signed the way the ERP protocol signs', async () => {
      const got: Array<{ verified: boolean; body: Record<string, any> }> = [];
      const hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const raw = Buffer.concat(chunks);
          got.push({ verified: verifyGenericSignature('whsec-B-0123456789', req.headers['x-omnisync-timestamp'] as string, raw, req.headers['x-omnisync-signature'] as string), body: JSON.parse(raw.toString('utf8')) });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
      try {
        const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/omnisync-alerts?token=hidden`;
        const created = await http().post('/alert-channels').set(auth(B.key)).send({ kind: 'webhook', name: 'hook', url, secret: 'whsec-B-0123456789', minLevel: 'info' }).expect(201);
        expect(created.body.url).toBe(url.replace('?token=hidden', ''));
        await store().apply(B.merchantId, [{ rule: 'stock_drift', subject: 'all', level: 'info', summary: { zh: '库存偏差已纠正 2 个 SKU', en: 'Stock drift corrected on 2 SKUs' }, details: {}, forMs: 0 }], (rule) => rule === 'stock_drift');
        await sender().drain();
        expect(got).toHaveLength(1);
        expect(got[0].verified).toBe(true);
        expect(got[0].body).toMatchObject({ type: 'omnisync.alerts', v: 1, alerts: [{ key: `${B.merchantId}:stock_drift:all`, level: 'info', event: 'firing', merchantId: B.merchantId }] });
      } finally {
        await new Promise<void>((r) => hook.close(() => r()));
      }
    });
  });
});
