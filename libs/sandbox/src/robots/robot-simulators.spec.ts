import { createHmac } from 'node:crypto';
import { startDingtalkRobotSimulator, startFeishuRobotSimulator, startWecomRobotSimulator, type RobotSimulator } from './index';

const post = async (url: string, body: unknown): Promise<{ status: number; json: any }> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
};
const dingSign = (secret: string, ts: number) => encodeURIComponent(createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'));
const feishuSign = (secret: string, ts: number) => createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64');
const md = { msgtype: 'markdown', markdown: { title: 't', text: '### t' } };

describe('robot simulators', () => {
  const sims: RobotSimulator[] = [];
  afterAll(async () => Promise.all(sims.map((s) => s.close())));

  describe('DingTalk', () => {
    let sim: RobotSimulator;
    beforeAll(async () => {
      sim = await startDingtalkRobotSimulator({ robots: { tok: { secret: 'SECabc' }, open: { secret: null } }, perMinute: 3 });
      sims.push(sim);
    });
    beforeEach(() => sim.clear());

    it('accepts a signed markdown message and records it', async () => {
      const ts = Date.now();
      const r = await post(`${sim.webhookUrl('tok')}&timestamp=${ts}&sign=${dingSign('SECabc', ts)}`, md);
      expect(r).toEqual({ status: 200, json: { errcode: 0, errmsg: 'ok' } });
      expect(sim.accepted('tok')).toHaveLength(1);
      expect(sim.accepted('tok')[0].body).toEqual(md);
    });

    it('310000 for a wrong secret, a missing sign and a timestamp outside the hour; 300001 for an unknown token', async () => {
      const ts = Date.now();
      expect((await post(`${sim.webhookUrl('tok')}&timestamp=${ts}&sign=${dingSign('SECwrong', ts)}`, md)).json).toEqual({ errcode: 310000, errmsg: 'sign not match' });
      expect((await post(sim.webhookUrl('tok'), md)).json.errcode).toBe(310000);
      const old = ts - 3_700_000;
      expect((await post(`${sim.webhookUrl('tok')}&timestamp=${old}&sign=${dingSign('SECabc', old)}`, md)).json).toEqual({ errcode: 310000, errmsg: 'invalid timestamp' });
      expect((await post(sim.webhookUrl('nope'), md)).json.errcode).toBe(300001);
      expect(sim.accepted()).toHaveLength(0);
      expect(sim.received()).toHaveLength(4);
    });

    it('40035 for a body that is not a message', async () => {
      expect((await post(sim.webhookUrl('open'), { msgtype: 'markdown', markdown: { title: 'x' } })).json.errcode).toBe(40035);
      expect((await post(sim.webhookUrl('open'), 'not json')).json.errcode).toBe(40035);
    });

    it('130101 past the per-minute limit, and the robot stays refused', async () => {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await post(sim.webhookUrl('open'), md)).json.errcode);
      expect(codes).toEqual([0, 0, 0, 130101, 130101]);
    });
  });

  describe('Feishu', () => {
    let sim: RobotSimulator;
    beforeAll(async () => {
      sim = await startFeishuRobotSimulator({ robots: { hook: { secret: 'fs-secret' } } });
      sims.push(sim);
    });
    beforeEach(() => sim.clear());
    const card = { msg_type: 'interactive', card: { header: { title: { tag: 'plain_text', content: 't' } }, elements: [] } };

    it('accepts a signed card, 19021 for a bad sign, 9499 for a stringified card', async () => {
      const ts = Math.floor(Date.now() / 1000);
      expect((await post(sim.webhookUrl('hook'), { timestamp: String(ts), sign: feishuSign('fs-secret', ts), ...card })).json).toMatchObject({ code: 0, msg: 'success' });
      expect((await post(sim.webhookUrl('hook'), { timestamp: String(ts), sign: feishuSign('other', ts), ...card })).json.code).toBe(19021);
      const r = await post(sim.webhookUrl('hook'), { timestamp: String(ts), sign: feishuSign('fs-secret', ts), msg_type: 'interactive', card: JSON.stringify(card.card) });
      expect(r).toMatchObject({ status: 400, json: { code: 9499 } });
    });

    it('11232 past 5 a second', async () => {
      const ts = Math.floor(Date.now() / 1000);
      const codes = await Promise.all(Array.from({ length: 7 }, () => post(sim.webhookUrl('hook'), { timestamp: String(ts), sign: feishuSign('fs-secret', ts), ...card }).then((r) => r.json.code)));
      expect(codes.filter((c) => c === 0)).toHaveLength(5);
      expect(codes.filter((c) => c === 11232)).toHaveLength(2);
    });
  });

  describe('WeCom', () => {
    let sim: RobotSimulator;
    beforeAll(async () => {
      sim = await startWecomRobotSimulator({ robots: { k1: { secret: null } }, perMinute: 2 });
      sims.push(sim);
    });

    it('accepts markdown, 93000 for an unknown key, 40058 over 4096 bytes, 45009 past the limit', async () => {
      expect((await post(sim.webhookUrl('k1'), { msgtype: 'markdown', markdown: { content: 'hi' } })).json).toEqual({ errcode: 0, errmsg: 'ok' });
      expect((await post(sim.webhookUrl('k2'), { msgtype: 'markdown', markdown: { content: 'hi' } })).json.errcode).toBe(93000);
      expect((await post(sim.webhookUrl('k1'), { msgtype: 'markdown', markdown: { content: '中'.repeat(1400) } })).json.errcode).toBe(40058);
      expect((await post(sim.webhookUrl('k1'), { msgtype: 'markdown', markdown: { content: 'two' } })).json.errcode).toBe(0);
      expect((await post(sim.webhookUrl('k1'), { msgtype: 'markdown', markdown: { content: 'three' } })).json.errcode).toBe(45009);
    });
  });
});
