import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LookupFunction } from 'node:net';
import { AxiosError } from 'axios';
import nock from 'nock';
import { serveLocal, type LocalServer } from '@app/testing/local-server';
import { OutboundPolicy, OutboundUrlRefusedError, RESPONSE_TOO_LARGE, TOTAL_TIMEOUT, createOutboundAxios, outboundRefusalOf, type OutboundPolicySettings } from '@app/net';

/** name -> answers, one per call (the last repeats): a rebinding DNS server */
function rebindingDns(name: string, answers: string[]): LookupFunction & { calls: number } {
  const fn = ((host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (host !== name) return cb(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    const address = answers[Math.min(fn.calls++, answers.length - 1)];
    const family = address.includes(':') ? 6 : 4;
    return opts.all ? cb(null, [{ address, family }]) : cb(null, address, family);
  }) as LookupFunction & { calls: number };
  fn.calls = 0;
  return fn;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

function client(settings: OutboundPolicySettings, extra: { timeoutMs?: number; maxResponseBytes?: number; maxSockets?: number } = {}) {
  return createOutboundAxios({
    policy: new OutboundPolicy(settings),
    purpose: 'erp',
    timeoutMs: extra.timeoutMs ?? 2000,
    maxSockets: extra.maxSockets,
    maxResponseBytes: extra.maxResponseBytes ?? 1024 * 1024,
    axios: { validateStatus: () => true, responseType: 'text' },
  });
}

describe('createOutboundAxios (send time)', () => {
  const servers: LocalServer[] = [];
  // these tests open real local connections under fake host names: nock (set up for every suite) stays out
  beforeAll(() => nock.restore());
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const local = async (h: (req: IncomingMessage, res: ServerResponse) => void) => {
    const s = await serveLocal(h);
    servers.push(s);
    return s;
  };

  it('refuses at connect a name that passed at save and then resolves to loopback (DNS rebinding)', async () => {
    const target = await local((_q, r) => r.end('internal secret'));
    const dns = rebindingDns('erp.rebind.example', ['93.184.216.34', '127.0.0.1']);
    const policy = new OutboundPolicy({ lookup: dns });
    const url = `http://erp.rebind.example:${target.port}/orders`;
    await expect(policy.assertAllowed(url, 'erp')).resolves.toBeDefined(); // save: public

    const http = createOutboundAxios({ policy, purpose: 'erp', timeoutMs: 2000, maxResponseBytes: 1024 });
    const e = await failure(http.get(url));

    expect(dns.calls).toBe(2);
    const refusal = outboundRefusalOf(e);
    expect(refusal).toBeInstanceOf(OutboundUrlRefusedError);
    expect(refusal!.message).toBe('outbound URL refused for erp: erp.rebind.example resolved to 127.0.0.1 is a loopback address at connect');
    expect(target.hits()).toBe(0);
  });

  it('the same lookup reaches the server when the operator allows loopback (the agent uses the injected lookup)', async () => {
    const target = await local((_q, r) => r.end('ok'));
    const http = client({ allowLoopback: true, lookup: rebindingDns('erp.rebind.example', ['127.0.0.1']) });
    const res = await http.get(`http://erp.rebind.example:${target.port}/`);
    expect(res.data).toBe('ok');
    expect(target.hits()).toBe(1);
  });

  it('a host name the operator allowed (host:port) reaches its address; the same name on another port does not', async () => {
    const target = await local((_q, r) => r.end('sim'));
    const other = await local((_q, r) => r.end('internal'));
    const http = client({ allowHosts: [`sim.operator.example:${target.port}`], lookup: rebindingDns('sim.operator.example', ['127.0.0.1']) });
    expect((await http.get(`http://sim.operator.example:${target.port}/`)).data).toBe('sim');
    const e = await failure(http.get(`http://sim.operator.example:${other.port}/`));
    expect(outboundRefusalOf(e)?.message).toMatch(/sim\.operator\.example resolved to 127\.0\.0\.1 is a loopback address at connect$/);
    expect(other.hits()).toBe(0);
  });

  it('refuses a literal private address before connecting, and an allowed host on another port', async () => {
    const target = await local((_q, r) => r.end('ok'));
    const http = client({ allowHosts: [`127.0.0.1:${target.port}`] });
    expect((await http.get(`${target.url}/`)).data).toBe('ok');

    const other = await local((_q, r) => r.end('redis'));
    const e = await failure(http.get(`${other.url}/`));
    expect(e).toBeInstanceOf(OutboundUrlRefusedError);
    expect((e as Error).message).toBe('outbound URL refused for erp: 127.0.0.1 is a loopback address');
    expect((await failure(http.get('http://0x7f000001:6379/'))) as Error).toBeInstanceOf(OutboundUrlRefusedError);
    expect(other.hits()).toBe(0);
  });

  it('never follows a redirect (302 to 127.0.0.1:6379-like internal service)', async () => {
    const internal = await local((_q, r) => r.end('+PONG'));
    const target = await local((_q, r) => {
      r.writeHead(302, { location: `http://127.0.0.1:${internal.port}/` });
      r.end();
    });
    const http = client({ allowHosts: [`127.0.0.1:${target.port}`] });
    const res = await http.get(`${target.url}/`);
    expect(res.status).toBe(302);
    expect(internal.hits()).toBe(0);
  });

  it('bounds the response size (declared and streamed)', async () => {
    const declared = await local((_q, r) => r.end('x'.repeat(64 * 1024)));
    const streamed = await local((_q, r) => {
      r.writeHead(200); // chunked, no content-length
      const chunk = 'y'.repeat(8 * 1024);
      for (let i = 0; i < 16; i++) r.write(chunk);
      r.end();
    });
    const http = client({ allowLoopback: true }, { maxResponseBytes: 16 * 1024 });
    for (const s of [declared, streamed]) {
      const e = (await failure(http.get(`${s.url}/`))) as AxiosError;
      expect(e).toBeInstanceOf(AxiosError);
      expect(e.code).toBe(RESPONSE_TOO_LARGE);
      expect(e.message).toBe('response larger than 16384 bytes');
      expect(e.response).toBeUndefined();
    }
  });

  it('bounds the total time of a server that trickles bytes forever (axios idle timeout never fires)', async () => {
    const timers: NodeJS.Timeout[] = [];
    const trickle = await local((_q, r) => {
      r.writeHead(200, { 'content-type': 'text/plain' });
      timers.push(setInterval(() => r.write('.'), 50));
    });
    const http = client({ allowLoopback: true }, { timeoutMs: 600 });
    const started = Date.now();
    const e = (await failure(http.get(`${trickle.url}/`))) as AxiosError;
    const took = Date.now() - started;
    for (const t of timers) clearInterval(t);
    expect(e.code).toBe(TOTAL_TIMEOUT);
    expect(e.message).toBe('total time limit of 600 ms exceeded');
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(2000);
  });

  it("bounds a request by its own timeout when it sets one (the ERP's adaptive call limit)", async () => {
    const timers: NodeJS.Timeout[] = [];
    const trickle = await local((_q, r) => {
      r.writeHead(200, { 'content-type': 'text/plain' });
      timers.push(setInterval(() => r.write('.'), 50));
    });
    const http = client({ allowLoopback: true }, { timeoutMs: 5000 });
    const e = (await failure(http.get(`${trickle.url}/`, { timeout: 300 }))) as AxiosError;
    for (const t of timers) clearInterval(t);
    expect(e.code).toBe(TOTAL_TIMEOUT);
    expect(e.message).toBe('total time limit of 300 ms exceeded');
  });

  it('opens at most maxSockets connections to a host; further requests wait for a free one', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = await local((_q, r) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        r.end('ok');
      }, 50);
    });
    const http = client({ allowLoopback: true }, { maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => http.get(`${slow.url}/`)));
    expect(answers.map((a) => a.data)).toEqual(Array(6).fill('ok'));
    expect(most).toBe(2);
  });

  it('refuses non-http schemes and userinfo before sending', async () => {
    const http = client({ allowLoopback: true });
    expect(outboundRefusalOf(await failure(http.get('http://user:pw@127.0.0.1:1/')))?.reason).toBe('userinfo');
    expect(outboundRefusalOf(await failure(http.get('file:///etc/passwd')))?.reason).toBe('scheme');
  });
});
