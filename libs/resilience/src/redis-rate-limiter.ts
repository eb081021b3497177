import type { RedisClient } from '@app/observability/redis/redis-client';
import { OWN_QUOTA_CODE, UpstreamError } from '@app/contracts';
import { appMetrics } from '@app/observability/metrics/catalogue';
import type { UsageMeter } from './usage-meter';

export interface RateLimiterOptions {
  /** Redis key prefix; tests use a unique one */
  keyPrefix?: string;
  /** permitted calls per second for a key unless qpsFor says otherwise */
  defaultQps: number;
  /** per-key QPS (e.g. by platform: key `douyin:<shopId>`); undefined = defaultQps */
  qpsFor?: (key: string) => number | undefined;
  /** a call may wait this long for its slot before it is rejected (default 200 ms) */
  maxWaitMs?: number;
  /** calls that may go at once after a quiet spell (default: 1/20 s worth of the rate, at least 1) */
  burstFor?: (qps: number) => number;
}

/** 50 ms worth of calls: a sliding second never sees more than about 1.05 x the rate */
export const defaultBurst = (qps: number): number => Math.max(1, Math.floor(qps / 20));

/**
 * GCRA (the generic cell rate algorithm) on one key: the key holds the theoretical arrival time (TAT, µs on
 * Redis' clock, shared by every process). A call may go at TAT - (burst - 1) x interval; if that is at most
 * `maxWait` µs away its slot is reserved (TAT advances one interval) and the wait is returned, else nothing
 * changes and the wait is returned as a refusal.
 * KEYS[1] key; ARGV interval µs, burst, maxWait µs. Returns {1, waitµs} (reserved) or {0, waitµs} (refused).
 */
const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
if wait > maxWait then return {0, math.ceil(wait)} end
local newTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1000)
return {1, math.ceil(wait)}
`;

type GcraRedis = RedisClient & { omnisyncGcra(key: string, intervalUs: number, burst: number, maxWaitUs: number): Promise<[number, number]> };

/**
 * Per-key QPS limit shared by every process through Redis. Calls are spaced evenly (GCRA) with a small
 * burst, so the platform sees at most about the rate in ANY one-second window — a fixed-window counter lets
 * up to twice the rate through around a window boundary, which a platform counting its own seconds throttles.
 * `acquire(key)` resolves when the call may go (after a short bounded wait for its slot), and otherwise
 * throws UpstreamError('rate_limited', retryAfterMs) — never a long silent wait.
 */
export class RedisRateLimiter {
  private readonly redis: GcraRedis;
  private readonly maxWaitMs: number;
  private readonly prefix: string;

  /** `meter`: counts the calls let through (`granted`) and refused (`refused`) per key, for ops (quota use) */
  constructor(redis: RedisClient, private readonly opts: RateLimiterOptions, private readonly meter: UsageMeter | null = null) {
    if (typeof (redis as unknown as { omnisyncGcra?: unknown }).omnisyncGcra !== 'function') redis.defineCommand('omnisyncGcra', { numberOfKeys: 1, lua: GCRA_LUA });
    this.redis = redis as unknown as GcraRedis;
    this.maxWaitMs = opts.maxWaitMs ?? 200;
    this.prefix = opts.keyPrefix ?? 'omnisync-qps';
  }

  /** the calls per second a key may make (its quota) */
  qpsOf(key: string): number {
    return this.opts.qpsFor?.(key) ?? this.opts.defaultQps;
  }

  async acquire(key: string): Promise<void> {
    const qps = this.qpsOf(key);
    const burst = Math.max(1, Math.floor((this.opts.burstFor ?? defaultBurst)(qps)));
    let reply: [number, number];
    try {
      reply = await this.redis.omnisyncGcra(`${this.prefix}:${key}`, Math.round(1_000_000 / qps), burst, this.maxWaitMs * 1000);
    } catch (e) {
      throw new UpstreamError('rate-limiter', 'retryable', `rate limiter store failed: ${(e as Error)?.message ?? String(e)}`);
    }
    const [reserved, waitUs] = reply;
    const waitMs = Math.ceil(waitUs / 1000);
    this.meter?.add(key, reserved === 1 ? 'granted' : 'refused');
    const m = appMetrics();
    if (reserved !== 1) m.rateLimitWaits.inc({ upstream: upstreamOf(key), outcome: 'refused' });
    else if (waitMs > 0) {
      m.rateLimitWaits.inc({ upstream: upstreamOf(key), outcome: 'waited' });
      m.rateLimitWaitSeconds.inc({ upstream: upstreamOf(key) }, waitMs / 1000);
    }
    if (reserved !== 1) {
      // our own limiter, not the platform: marked so stored failures say platform_quota (describeError)
      throw new UpstreamError(upstreamOf(key), 'rate_limited', `local QPS limit ${qps}/s reached for ${key}`, { retryAfterMs: Math.max(waitMs, 1), code: OWN_QUOTA_CODE, quotaPerSec: qps });
    }
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }
}

function upstreamOf(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i);
}
