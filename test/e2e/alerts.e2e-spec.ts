/**
 * Alerting end to end (issue 10 item 3 acceptance): gateway + order-sync + the platform and ERP simulators + the
 * three robot simulators. Merchant A has a DingTalk, a Feishu and a WeCom channel (critical only) and a DingTalk
 * channel configured with the wrong secret; merchant B one DingTalk channel. The ERP goes down while orders flow:
 * each of A's channels gets the ERP alert once as "firing", repeats within the robot's rate limit (the sims refuse
 * anything past it: no refusal may appear), and one "resolved" after the ERP is back. The wrong secret is a
 * channel error (502 with DingTalk's 310000, and the failed deliveries carry it); a key silenced beforehand fires
 * (GET /alerts shows it) but sends nothing; B's channel never carries anything of A's.
 */
import {
  startDingtalkRobotSimulator,
  startFeishuRobotSimulator,
  startWecomRobotSimulator,
  type RobotReceived,
  type RobotSimulator,
} from '@app/sandbox';
import { runOpsCli } from '../../apps/gateway/src/ops-cli';
import { startE2eSystem, waitUntil, type E2eSystem } from '../../apps/order-sync/test/e2e/support/e2e-system';

jest.setTimeout(300_000);

const DING_SECRET = 'SEC-e2e-dingtalk-secret-0001';
const FEISHU_SECRET = 'feishu-e2e-secret-0001';

interface Line {
  event: string;
  key: string;
}

/** the alert lines of a message, whatever the tool: `**<level zh> <level en> · <event zh> <event en>** … \n> key: <key>` */
function linesOf(r: RobotReceived): Line[] {
  const b = r.body ?? {};
  const text: string = b.markdown?.text ?? b.markdown?.content ?? b.card?.elements?.[0]?.text?.content ?? '';
  return [...text.matchAll(/\*\*\S+ \w+ · \S+ ([\w ]+)\*\*[^\n]*\n> key: (\S+)/g)].map((m) => ({ event: m[1], key: m[2] }));
}

/** most messages a robot accepted within any 60 s */
function peakPerMinute(rs: RobotReceived[]): number {
  const t = rs.filter((r) => r.accepted).map((r) => r.at);
  let peak = 0;
  for (let i = 0; i < t.length; i++) peak = Math.max(peak, t.filter((x) => x >= t[i] && x < t[i] + 60_000).length);
  return peak;
}

describe('alerts: an ERP outage through the robot simulators', () => {
  let e2e: E2eSystem;
  let ding: RobotSimulator;
  let feishu: RobotSimulator;
  let wecom: RobotSimulator;
  let merchantA: string;
  let merchantB: string;
  const erpKey = (m: string) => `${m}:erp_breaker_open:default`;
  const silencedKey = (m: string) => `${m}:queue_oldest_age:outbox`;

  beforeAll(async () => {
    ding = await startDingtalkRobotSimulator({ robots: { 'ding-a': { secret: DING_SECRET }, 'ding-b': { secret: DING_SECRET }, 'ding-wrong': { secret: DING_SECRET } } });
    feishu = await startFeishuRobotSimulator({ robots: { 'feishu-a': { secret: FEISHU_SECRET } } });
    wecom = await startWecomRobotSimulator({ robots: { 'wecom-a': { secret: null } } });
    e2e = await startE2eSystem({
      secondMerchant: { platforms: ['xiaohongshu'] },
      extraOutboundHosts: [ding, feishu, wecom].map((s) => `127.0.0.1:${s.port}`),
      env: {
        ALERT_EVAL_INTERVAL_MS: '500',
        ALERT_SEND_INTERVAL_MS: '300',
        ALERT_GROUP_WINDOW_MS: '500',
        ALERT_REPEAT_CRITICAL_MS: '1000',
        ALERT_BREAKER_OPEN_MS: '3000',
        ALERT_QUEUE_AGE_WARN_MS: '2000',
      },
    });
    merchantA = e2e.sys.merchantId;
    merchantB = e2e.sys.second!.merchantId;
  }, 180_000);

  afterAll(async () => {
    await e2e?.sys.sandboxAdmin('douyin', 'POST', 'generator/stop').catch(() => undefined);
    await e2e?.teardown();
    await Promise.all([ding, feishu, wecom].map((s) => s?.close()));
  }, 60_000);

  it('bad input to the alert API: 400 naming the field, nothing stored', async () => {
    const a = e2e.sys.gateway;
    const bad = await a.post('/alert-channels', { kind: 'dingtalk', name: 'x', url: ding.webhookUrl('ding-a') }, { validateStatus: () => true });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.data.message)).toContain('secret is required for kind dingtalk');
    const url = await a.post('/alert-channels', { kind: 'feishu', name: 'x', url: 'https://open.feishu.cn.evil.example/open-apis/bot/v2/hook/x', secret: FEISHU_SECRET }, { validateStatus: () => true });
    expect(url.status).toBe(400);
    expect(JSON.stringify(url.data.message)).toMatch(/url: outbound URL refused for alert:feishu/);
    const silence = await a.post('/alert-silences', { key: silencedKey(merchantA), durationSec: 'soon' }, { validateStatus: () => true });
    expect(silence.status).toBe(400);
    expect(JSON.stringify(silence.data.message)).toMatch(/durationSec must be an integer/);
    expect((await e2e.db.query(`SELECT count(*)::int AS n FROM core.alert_channels`))[0].n).toBe(0);
  });

  let wrongChannel: string;

  it('channels: each test message is answered by its robot; a wrong secret is reported as the channel error 310000', async () => {
    const a = e2e.sys.gateway;
    const add = async (client: typeof a, body: Record<string, unknown>) => {
      const res = await client.post('/alert-channels', { minLevel: 'critical', ...body });
      expect(res.status).toBe(201);
      return res.data.id as string;
    };
    const ids = [
      await add(a, { kind: 'dingtalk', name: '钉钉 A', url: ding.webhookUrl('ding-a'), secret: DING_SECRET }),
      await add(a, { kind: 'feishu', name: '飞书 A', url: feishu.webhookUrl('feishu-a'), secret: FEISHU_SECRET }),
      await add(a, { kind: 'wecom', name: '企业微信 A', url: wecom.webhookUrl('wecom-a') }),
    ];
    for (const id of ids) expect((await a.post(`/alert-channels/${id}/test`)).data).toMatchObject({ ok: true });
    expect([ding.accepted('ding-a').length, feishu.accepted('feishu-a').length, wecom.accepted('wecom-a').length]).toEqual([1, 1, 1]);

    wrongChannel = await add(a, { kind: 'dingtalk', name: '钉钉 wrong secret', url: ding.webhookUrl('ding-wrong'), secret: 'SEC-this-is-not-the-robot-secret' });
    const test = await a.post(`/alert-channels/${wrongChannel}/test`, undefined, { validateStatus: () => true });
    expect(test.status).toBe(502);
    expect(test.data).toMatchObject({ statusCode: 502, message: 'dingtalk channel error: 310000 sign not match' });

    await add(e2e.sys.second!.gateway, { kind: 'dingtalk', name: '钉钉 B', url: ding.webhookUrl('ding-b'), secret: DING_SECRET });
    // silenced before it ever fires
    expect((await a.post('/alert-silences', { key: silencedKey(merchantA), durationSec: 3600, reason: 'e2e' })).status).toBe(201);
    ding.clear();
    feishu.clear();
    wecom.clear();
  });

  it('ERP outage: one firing per channel, repeats within the rate limit, one resolved after recovery; B never gets A’s', async () => {
    await e2e.sys.sandboxAdmin('douyin', 'POST', 'generator/start', { ratePerSec: 2 });
    await e2e.sys.sandboxAdmin('erp', 'POST', 'faults', { down: true });
    const gw = e2e.sys.gateway;
    const alertOf = async (key: string) => ((await gw.get('/alerts')).data.alerts as Array<{ key: string; state: string; silenced: boolean; level: string }>).find((x) => x.key === key);
    await waitUntil('the ERP alert firing', async () => (await alertOf(erpKey(merchantA)))?.state === 'firing', 60_000);
    // keep the ERP down long enough for the repeats to meet DingTalk's 20 a minute
    await new Promise((r) => setTimeout(r, 25_000));
    await e2e.sys.sandboxAdmin('erp', 'POST', 'faults', { down: false });
    await e2e.sys.sandboxAdmin('douyin', 'POST', 'generator/stop');
    const resolvedEverywhere = async () => {
      const got = [ding.accepted('ding-a'), feishu.accepted('feishu-a'), wecom.accepted('wecom-a')].map((rs) =>
        rs.flatMap(linesOf).some((l) => l.key === erpKey(merchantA) && l.event === 'resolved'),
      );
      return got.every(Boolean);
    };
    await waitUntil('"resolved" on every channel of A', resolvedEverywhere, 150_000, async () => JSON.stringify(await alertOf(erpKey(merchantA))), 1000);

    for (const [name, sim, robot] of [
      ['dingtalk', ding, 'ding-a'],
      ['feishu', feishu, 'feishu-a'],
      ['wecom', wecom, 'wecom-a'],
    ] as const) {
      const lines = sim.accepted(robot).flatMap(linesOf).filter((l) => l.key === erpKey(merchantA));
      const count = (event: string) => lines.filter((l) => l.event === event).length;
      // the figures of the run (the report quotes them)
      console.log(`${name}: messages accepted ${sim.accepted(robot).length}, refused ${sim.received(robot).filter((r) => !r.accepted).length}, peak/min ${peakPerMinute(sim.received(robot))}; ERP alert firing ${count('firing')}, still firing ${count('still firing')}, resolved ${count('resolved')}`);
      expect({ name, firing: count('firing'), resolved: count('resolved') }).toEqual({ name, firing: 1, resolved: 1 });
      expect(count('still firing')).toBeGreaterThanOrEqual(2);
      // within the robot's limit: nothing refused, never more than the limit in any minute
      expect({ name, refused: sim.received(robot).filter((r) => !r.accepted).map((r) => r.code) }).toEqual({ name, refused: [] });
      expect(peakPerMinute(sim.received(robot))).toBeLessThanOrEqual(name === 'feishu' ? 100 : 20);
      // the silenced key fired but was never sent
      expect(sim.accepted(robot).flatMap(linesOf).some((l) => l.key === silencedKey(merchantA))).toBe(false);
    }
    // DingTalk's 20 a minute was reached: the sender held messages back rather than trip it
    expect(peakPerMinute(ding.received('ding-a'))).toBeGreaterThanOrEqual(15);

    const silenced = await alertOf(silencedKey(merchantA));
    expect(silenced).toMatchObject({ silenced: true });
    // every order-sync signal was read throughout (catalog-sync is not running in this system: its signal is missing)
    expect(await alertOf(`${merchantA}:signal_unavailable:order-sync`)).toBeUndefined();

    // B: its own ERP alert (it shares the default ERP), never a line of A's
    const bLines = ding.received('ding-b').flatMap(linesOf);
    expect(bLines.some((l) => l.key.startsWith(merchantA))).toBe(false);
    expect(JSON.stringify(ding.received('ding-b'))).not.toContain(merchantA);
    expect(bLines.every((l) => l.key.startsWith(merchantB))).toBe(true);
    const bAlerts = (await e2e.sys.second!.gateway.get('/alerts')).data.alerts as Array<{ merchantId: string }>;
    expect(bAlerts.every((x) => x.merchantId === merchantB)).toBe(true);

    // the wrong secret: every delivery tried failed with the robot's code (the rest wait for the channel's budget,
    // which the failed attempts spend too), none was sent, and the channel says so
    const wrong: Array<{ status: string; last_error: string | null }> = await e2e.db.query(
      `SELECT DISTINCT status, last_error FROM core.alert_deliveries WHERE channel_id = $1 AND status <> 'pending'`,
      [wrongChannel],
    );
    expect(wrong).toEqual([{ status: 'failed', last_error: 'dingtalk 310000: sign not match' }]);
    const channels = (await gw.get('/alert-channels')).data as Array<{ id: string; lastError: string | null }>;
    expect(channels.find((c) => c.id === wrongChannel)?.lastError).toMatch(/^310000 sign not match/);
    expect(ding.accepted('ding-wrong')).toEqual([]);
  });

  it('ops CLI: alerts list and alerts silence <key> --for <duration>, scoped to the key\'s merchant', async () => {
    const ops = async (key: string, ...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runOpsCli(argv, { OMNISYNC_URL: e2e.sys.urls.gateway, OMNISYNC_API_KEY: key }, { out: (l) => out.push(l), err: (l) => err.push(l), fetch });
      return { code, out, err };
    };
    const list = await ops(e2e.sys.adminKey, 'alerts', 'list');
    expect(list.code).toBe(0);
    expect(list.out[0]).toMatch(/^key\s+level\s+state\s+silenced/);
    expect(list.out.some((l) => l.startsWith(erpKey(merchantA)) && /critical\s+resolved/.test(l))).toBe(true);
    expect(list.out.join('\n')).not.toContain(merchantB);

    const silenced = await ops(e2e.sys.adminKey, 'alerts', 'silence', erpKey(merchantA), '--for', '2h', '--reason', 'cli');
    expect(silenced).toMatchObject({ code: 0, err: [] });
    expect(silenced.out[0]).toMatch(new RegExp(`^silenced ${erpKey(merchantA)} until \\d{4}-`));
    const alerts = (await e2e.sys.gateway.get('/alerts')).data.alerts as Array<{ key: string; silenced: boolean }>;
    expect(alerts.find((a) => a.key === erpKey(merchantA))?.silenced).toBe(true);

    expect((await ops(e2e.sys.adminKey, 'alerts', 'silence', erpKey(merchantA), '--for', 'soon')).code).toBe(2);
    const foreign = await ops(e2e.sys.second!.adminKey, 'alerts', 'silence', erpKey(merchantA), '--for', '1h');
    expect(foreign.code).toBe(1);
    expect(foreign.err.join('\n')).toMatch(/-> 400: key must be one of this merchant's alert keys/);
  });
});
