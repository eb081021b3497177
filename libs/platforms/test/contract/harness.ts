import { Redis } from 'ioredis';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { randomBytes } from 'node:crypto';
import type { PlatformAdapterDeps } from '../../src/http';
import type { PlatformAdapter, ShopContext } from '../../src/platform-adapter.port';
import { FakeShopDirectory } from '@app/testing/fakes';
import type { ContractBackend } from './contract-backend';

export const CONTRACT_TIMEOUT_MS = 2_000;
/** breakers in contract tests open after this many consecutive retryable failures */
export const CONTRACT_BREAKER_VOLUME = 3;

export interface Harness<A extends PlatformAdapter> {
  sut: A;
  directory: FakeShopDirectory;
  breakers: BreakerRegistry;
  shop: ShopContext;
}

/**
 * Per-suite resources (one Redis connection, a unique key prefix) and a fresh adapter per test:
 * breakers and token caches never leak from one test into the next.
 */
export function contractHarness<A extends PlatformAdapter>(build: (deps: PlatformAdapterDeps) => A) {
  let redis: Redis;
  let prefix: string;
  let current: Harness<A> | null = null;
  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    prefix = `platform-contract-${randomBytes(4).toString('hex')}`; // as @app/testing testPrefix (not imported: it pulls in Nest)
  });
  afterEach(() => {
    current?.breakers.shutdown();
    current = null;
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });
  return {
    make(backend: ContractBackend, shop: ShopContext = backend.shop()): Harness<A> {
      const directory = new FakeShopDirectory([shop]);
      const breakers = new BreakerRegistry({ requestTimeoutMs: CONTRACT_TIMEOUT_MS, resetTimeoutMs: 30_000, volumeThreshold: CONTRACT_BREAKER_VOLUME });
      const limiter = new RedisRateLimiter(redis, { keyPrefix: prefix, defaultQps: 1000, maxWaitMs: 0 });
      const sut = build({ directory, breakers, limiter, options: { timeoutMs: CONTRACT_TIMEOUT_MS, tokenRefreshMarginMs: 10 * 60_000, outbound: testOutboundPolicy(new URL(shop.baseUrl).host) } });
      current = { sut, directory, breakers, shop };
      return current;
    },
  };
}

let seq = 0;
/** a fresh 19-digit numeric id (above 2^53) */
export function id19(prefix = '49'): string {
  seq += 1;
  const tail = `${Date.now()}${String(seq).padStart(4, '0')}${Math.floor(Math.random() * 1e6)}`;
  return (prefix + tail).slice(0, 19).padEnd(19, '7');
}

/** Await a promise that must reject; returns the error. */
export async function rejectionOf(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
