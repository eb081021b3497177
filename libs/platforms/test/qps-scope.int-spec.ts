import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { isUpstreamError } from '@app/contracts';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { PlatformCaller, type PlatformProtocol } from '../src/http/platform-caller';
import type { QpsScope } from '../src/http/platform-http.options';
import type { ShopContext } from '../src/platform-adapter.port';
import { FakeShopDirectory } from '@app/testing/fakes';

const shop: ShopContext = {
  shopId: '00000000-0000-4000-8000-00000000a001',
  platform: 'douyin',
  platformShopId: '7001',
  baseUrl: 'http://127.0.0.1:1',
  credentials: { appKey: 'k', appSecret: 's', accessToken: 't', refreshToken: null, accessTokenExpiresAt: null },
};

/** the shared Redis limiter (2 calls/s, a burst of 2, no waiting) in front of a protocol that just counts */
describe('PlatformCaller QPS scope (real Redis limiter)', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  });
  afterAll(async () => {
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}*`);
      if (keys.length) await redis.del(...keys);
    }
    await redis.quit();
  });

  async function outcomes(scope: QpsScope | undefined, methods: string[]): Promise<string[]> {
    const prefix = `qps-scope-${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    const sent: string[] = [];
    const protocol: PlatformProtocol = {
      platform: 'douyin',
      canRefreshTokens: false,
      send: async (_shop, _token, method) => {
        sent.push(method);
        return { ok: true };
      },
      exchangeCode: async () => {
        throw new Error('not used');
      },
      refresh: async () => {
        throw new Error('not used');
      },
    };
    const breakers = new BreakerRegistry({ requestTimeoutMs: 1000, resetTimeoutMs: 10_000 });
    const caller = new PlatformCaller(protocol, {
      directory: new FakeShopDirectory([shop]),
      breakers,
      limiter: new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 2, maxWaitMs: 0, burstFor: () => 2 }),
      options: { timeoutMs: 1000, qpsScope: scope },
    });
    const out: string[] = [];
    try {
      // sequential, well inside one second: the third call of one budget is refused
      for (const m of methods) {
        try {
          await caller.call(shop, m, {});
          out.push(`${m}:ok`);
        } catch (e) {
          out.push(`${m}:${isUpstreamError(e) ? e.kind : 'error'}`);
        }
      }
    } finally {
      breakers.shutdown();
    }
    expect(sent).toEqual(out.filter((o) => o.endsWith(':ok')).map((o) => o.split(':')[0]));
    return out;
  }

  it("'api' (the default): each API method of the shop has its own budget", async () => {
    const calls = ['order.searchList', 'order.searchList', 'order.searchList', 'product.addV2', 'product.addV2'];
    const expected = ['order.searchList:ok', 'order.searchList:ok', 'order.searchList:rate_limited', 'product.addV2:ok', 'product.addV2:ok'];
    expect(await outcomes(undefined, calls)).toEqual(expected);
    expect(await outcomes('api', calls)).toEqual(expected);
  });

  it("'shop': one budget for all of the shop's calls", async () => {
    expect(await outcomes('shop', ['order.searchList', 'product.addV2', 'product.addV2'])).toEqual([
      'order.searchList:ok',
      'product.addV2:ok',
      'product.addV2:rate_limited',
    ]);
  });
});
