import nock from 'nock';
import { UpstreamError } from '@app/contracts';
import { OutboundPolicy } from '@app/net';
import { serveLocal, type LocalServer } from '@app/testing/local-server';
import { BreakerRegistry, type RedisRateLimiter } from '@app/resilience';
import { FakeShopDirectory } from '@app/testing/fakes';
import { douyinError } from '../douyin/douyin.errors';
import { TaobaoAdapter } from '../taobao/taobao.adapter';
import { xhsError } from '../xiaohongshu/xiaohongshu.errors';
import { createPlatformAxios, exchange } from './platform-http';

const CANARY = 'CANARY-7f3e-internal-answer';

async function upstreamFailure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected an UpstreamError');
}

describe('platform exchange under the outbound policy', () => {
  beforeAll(() => nock.restore()); // real local servers only
  let srv: LocalServer;
  afterEach(async () => srv?.close());

  it.each([
    ['the shop-set loopback port', (port: number) => `http://127.0.0.1:${port}`],
    ['metadata', () => 'http://169.254.169.254/latest/meta-data'],
    ['IPv6 loopback', () => 'http://[::1]:5432'],
    ['a numeric encoding', (port: number) => `http://0x7f000001:${port}`],
    ['a private range', () => 'http://10.0.0.8'],
    ['localhost', (port: number) => `http://localhost:${port}`],
    ['a public host that is not the API host', () => 'https://example.com'],
  ])('refuses %s by default, without a request (invalid_request)', async (_what, url) => {
    srv = await serveLocal((_q, r) => r.end('{}'));
    const http = createPlatformAxios('douyin', { timeoutMs: 1000 });
    const e = await upstreamFailure(exchange('douyin', http, { method: 'POST', url: `${url(srv.port)}/order/searchList` }, 1000));
    expect(e.kind).toBe('invalid_request');
    expect(e.details.code).toBe('outbound_url_refused');
    expect(e.message).toMatch(/^douyin: invalid_request: outbound URL refused for platform:douyin: /);
    expect(srv.hits()).toBe(0);
  });

  it('reaches an operator-allowed simulator and never quotes a non-2xx body', async () => {
    srv = await serveLocal((_q, r) => {
      r.writeHead(500);
      r.end(`redis_version:7.2 ${CANARY}`);
    });
    const http = createPlatformAxios('douyin', { timeoutMs: 1000, outbound: new OutboundPolicy({ allowHosts: [`127.0.0.1:${srv.port}`] }) });
    const e = await upstreamFailure(exchange('douyin', http, { method: 'POST', url: `${srv.url}/x` }, 1000));
    expect(srv.hits()).toBe(1);
    expect(e.message).toBe('douyin: retryable: HTTP 500');
  });

  it('says "unparseable" for a 2xx that is not JSON, without the body', async () => {
    srv = await serveLocal((_q, r) => r.end(`<html>${CANARY}</html>`));
    const http = createPlatformAxios('taobao', { timeoutMs: 1000, outbound: new OutboundPolicy({ allowLoopback: true }) });
    const e = await upstreamFailure(exchange('taobao', http, { method: 'POST', url: `${srv.url}/router/rest` }, 1000));
    expect(e.message).toBe('taobao: retryable: unparseable response body (HTTP 200)');
  });

  it('bounds the response size (invalid_request, response_too_large)', async () => {
    srv = await serveLocal((_q, r) => r.end(JSON.stringify({ code: 10000, data: 'x'.repeat(20_000) })));
    const http = createPlatformAxios('xiaohongshu', { timeoutMs: 1000, maxResponseBytes: 4096, outbound: new OutboundPolicy({ allowLoopback: true }) });
    const e = await upstreamFailure(exchange('xiaohongshu', http, { method: 'POST', url: `${srv.url}/ark` }, 1000));
    expect(e.kind).toBe('invalid_request');
    expect(e.details.code).toBe('response_too_large');
    expect(e.message).toBe('xiaohongshu: invalid_request: response larger than 4096 bytes');
  });

  it('bounds the total time of a trickling answer (retryable)', async () => {
    const timers: NodeJS.Timeout[] = [];
    srv = await serveLocal((_q, r) => {
      r.writeHead(200);
      timers.push(setInterval(() => r.write(' '), 40));
    });
    const http = createPlatformAxios('douyin', { timeoutMs: 400, outbound: new OutboundPolicy({ allowLoopback: true }) });
    const started = Date.now();
    const e = await upstreamFailure(exchange('douyin', http, { method: 'POST', url: `${srv.url}/x` }, 1000));
    timers.forEach(clearInterval);
    expect(e.kind).toBe('retryable');
    expect(e.message).toBe('douyin: retryable: total time limit of 400 ms exceeded');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('the Taobao TMC consumer follows the policy too: an internal base URL is refused, an allowed one consumed', async () => {
    srv = await serveLocal((_q, r) => r.end(JSON.stringify({ tmc_messages_consume_response: { messages: { tmc_message: [] } } })));
    const breakers = new BreakerRegistry({ requestTimeoutMs: 1000 });
    const limiter = { acquire: async () => undefined } as unknown as RedisRateLimiter;
    const app = { appKey: '12345678', appSecret: 'tmc-secret', baseUrl: srv.url };
    try {
      const strict = new TaobaoAdapter({ directory: new FakeShopDirectory(), breakers, limiter, options: { timeoutMs: 1000 } });
      const e = await upstreamFailure(strict.consumeTmc(app, 'default', 10));
      expect(e.message).toBe('taobao: invalid_request: outbound URL refused for platform:taobao: 127.0.0.1 is not a taobao API host');
      expect(srv.hits()).toBe(0);

      const allowed = new TaobaoAdapter({ directory: new FakeShopDirectory(), breakers, limiter, options: { timeoutMs: 1000, outbound: new OutboundPolicy({ allowHosts: [`127.0.0.1:${srv.port}`] }) } });
      await expect(allowed.consumeTmc(app, 'default', 10)).resolves.toEqual([]);
      expect(srv.hits()).toBe(1);
    } finally {
      breakers.shutdown();
    }
  });

  it('bounds and flattens the platform error text it quotes', () => {
    const long = douyinError(50002, 'isv.business-failed', `first line\nsecond\r\n${'y'.repeat(10_000)}${CANARY}`, 1000);
    expect(long.message.length).toBeLessThanOrEqual('douyin: invalid_request: '.length + 200);
    expect(long.message).not.toContain(CANARY);
    expect(long.message).not.toMatch(/[\r\n]/);
    expect(long.message).toMatch(/^douyin: invalid_request: 50002 isv\.business-failed first line second y+…$/);
    expect(xhsError('', `系统繁忙\u0000${'z'.repeat(500)}`, 1000).message).toMatch(/^xiaohongshu: retryable: 系统繁忙 z+…$/);
  });
});
