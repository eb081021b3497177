import nock from 'nock';
import { verifyGenericSignature } from '@app/erp';
import { OutboundPolicy } from '@app/net';
import { exampleDnsLookup } from '@app/testing/outbound-policy';
import { renderRobotRequest, clip } from './robot-formats';
import { readAnswer, RobotClient } from './robot-client';
import type { AlertMessage } from './robot-message';
import { dingtalkSign, feishuSign } from './robot-signatures';

const DING_SECRET = 'SEC000000000000000000000000000000000000000000000000000000000000000';
const FEISHU_SECRET = 'feishu-secret-123';

const message: AlertMessage = {
  at: '2026-12-03T06:00:00.000Z',
  items: [
    { key: 'm1:erp_breaker_open:default', rule: 'erp_breaker_open', level: 'critical', event: 'firing', merchantId: 'm1', summary: { zh: 'ERP 不可用', en: 'ERP unavailable' }, since: '2026-12-03T05:59:00.000Z' },
    { key: 'm1:stock_drift:all', rule: 'stock_drift', level: 'info', event: 'resolved', merchantId: 'm1', summary: { zh: '库存偏差', en: 'Stock drift' }, since: '2026-12-03T05:00:00.000Z' },
  ],
};

describe('robot signatures', () => {
  // vectors computed with the doc's recipe in Python (hmac / base64 from the standard library)
  it('DingTalk: HMAC-SHA256(key = secret, "<ms>\\n<secret>"), Base64', () => {
    expect(dingtalkSign(DING_SECRET, 1796300000000)).toBe('+EzTPboKpGWjOUyazGuKOC6n68Iv4HTvGdwM6btgoV8=');
  });

  it('Feishu: HMAC-SHA256(key = "<s>\\n<secret>", empty message), Base64', () => {
    expect(feishuSign(FEISHU_SECRET, 1796300000)).toBe('uUJoCpqV2Cb3x+zcSQqtwnLC6MwDZjm/orz52Q6QZxI=');
  });
});

describe(renderRobotRequest.name, () => {
  const now = 1796300000000;

  it('DingTalk: markdown, the signed timestamp and sign URL-encoded in the query', () => {
    const r = renderRobotRequest({ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t1', secret: DING_SECRET }, message, now);
    expect(r.url).toBe('https://oapi.dingtalk.com/robot/send?access_token=t1&timestamp=1796300000000&sign=%2BEzTPboKpGWjOUyazGuKOC6n68Iv4HTvGdwM6btgoV8%3D');
    const body = JSON.parse(r.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toMatch(/^\[严重 critical\] omnisync 告警 2 alerts \(已恢复 resolved 1\)$/);
    expect(body.markdown.text).toContain('**严重 critical · 告警 firing** ERP 不可用 / ERP unavailable');
    expect(body.markdown.text).toContain('**提示 info · 已恢复 resolved** 库存偏差 / Stock drift');
  });

  it('Feishu: an interactive card object, timestamp (s, string) and sign in the body, red header for critical', () => {
    const r = renderRobotRequest({ kind: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/h1', secret: FEISHU_SECRET }, message, now);
    expect(r.url).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/h1');
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ timestamp: '1796300000', sign: 'uUJoCpqV2Cb3x+zcSQqtwnLC6MwDZjm/orz52Q6QZxI=', msg_type: 'interactive' });
    expect(body.card.header).toMatchObject({ template: 'red', title: { tag: 'plain_text' } });
    expect(body.card.elements[0]).toMatchObject({ tag: 'div', text: { tag: 'lark_md' } });
  });

  it('WeCom: markdown content with a level colour, at most 4096 bytes, nothing signed', () => {
    const many: AlertMessage = { at: message.at, items: Array.from({ length: 60 }, (_, i) => ({ ...message.items[0], key: `k${i}`, summary: { zh: '很长的中文摘要'.repeat(10), en: 'long' } })) };
    const r = renderRobotRequest({ kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1', secret: null }, many, now);
    const body = JSON.parse(r.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content.startsWith('### <font color="warning">')).toBe(true);
    expect(Buffer.byteLength(body.markdown.content, 'utf8')).toBeLessThanOrEqual(4096);
    expect(r.url).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1');
  });

  it('webhook: JSON signed as the ERP protocol signs (X-Omnisync-Timestamp / X-Omnisync-Signature)', () => {
    const r = renderRobotRequest({ kind: 'webhook', url: 'https://hooks.example.com/a', secret: 'whsec-12345678' }, message, now);
    expect(verifyGenericSignature('whsec-12345678', r.headers['X-Omnisync-Timestamp'], r.body, r.headers['X-Omnisync-Signature'], now / 1000)).toBe(true);
    expect(verifyGenericSignature('other-secret', r.headers['X-Omnisync-Timestamp'], r.body, r.headers['X-Omnisync-Signature'], now / 1000)).toBe(false);
    expect(JSON.parse(r.body)).toMatchObject({ type: 'omnisync.alerts', v: 1, alerts: [{ key: 'm1:erp_breaker_open:default' }, { event: 'resolved' }] });
  });

  it('clip cuts on a character boundary', () => {
    expect(clip('中文中文', 7)).toBe('中\n…');
  });
});

describe(readAnswer.name, () => {
  it.each([
    ['dingtalk', 200, '{"errcode":0,"errmsg":"ok"}', { ok: true, code: '0' }],
    ['dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}', { ok: false, code: '310000', message: 'sign not match', retryable: false }],
    ['dingtalk', 200, '{"errcode":130101,"errmsg":"send too fast"}', { ok: false, code: '130101', retryable: true }],
    ['feishu', 200, '{"code":0,"msg":"success"}', { ok: true }],
    ['feishu', 200, '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}', { ok: false, code: '19021', retryable: false }],
    ['feishu', 400, '{"code":9499,"msg":"Bad Request"}', { ok: false, code: '9499', status: 400, retryable: false }],
    ['feishu', 200, '{"code":11232,"msg":"frequency limited"}', { ok: false, code: '11232', retryable: true }],
    ['wecom', 200, '{"errcode":93000,"errmsg":"invalid webhook url"}', { ok: false, code: '93000', retryable: false }],
    ['wecom', 200, '{"errcode":45009,"errmsg":"api freq out of limit"}', { ok: false, code: '45009', retryable: true }],
    ['webhook', 204, '', { ok: true }],
    ['webhook', 503, 'down', { ok: false, code: 'http_503', retryable: true }],
    ['webhook', 401, '{"message":"bad signature"}', { ok: false, code: 'http_401', retryable: false }],
    ['dingtalk', 200, '<html>', { ok: false, code: 'unreadable_answer', retryable: true }],
  ] as const)('%s %i %s', (kind, status, text, expected) => {
    expect(readAnswer(kind, status, text)).toMatchObject(expected);
  });
});

describe(RobotClient.name, () => {
  const client = new RobotClient(new OutboundPolicy({ lookup: exampleDnsLookup }));
  afterEach(() => {
    expect(nock.isDone()).toBe(true);
    nock.cleanAll();
  });

  it('posts to the robot host and reports its code', async () => {
    nock('https://oapi.dingtalk.com')
      .post('/robot/send', (b: { msgtype: string }) => b.msgtype === 'markdown')
      .query((q) => q.access_token === 't1' && /^\d{13}$/.test(String(q.timestamp)) && typeof q.sign === 'string')
      .reply(200, { errcode: 310000, errmsg: 'sign not match' });
    const a = await client.send({ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t1', secret: DING_SECRET }, message);
    expect(a).toMatchObject({ ok: false, status: 200, code: '310000', message: 'sign not match', retryable: false });
  });

  it('refuses a robot URL off the robot hosts before any request (outbound policy)', async () => {
    const a = await client.send({ kind: 'wecom', url: 'https://erp.example.com/cgi-bin/webhook/send?key=k', secret: null }, message);
    expect(a).toMatchObject({ ok: false, code: 'refused', retryable: false });
    expect(a.message).toMatch(/not a wecom robot host/);
  });

  it('a 5xx of the tool is retryable', async () => {
    nock('https://qyapi.weixin.qq.com').post('/cgi-bin/webhook/send').query(true).reply(502, 'bad gateway');
    const a = await client.send({ kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', secret: null }, message);
    expect(a).toMatchObject({ ok: false, status: 502, code: 'http_502', retryable: true });
  });
});
