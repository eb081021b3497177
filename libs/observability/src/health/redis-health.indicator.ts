import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';

/** The part of an ioredis client the indicator uses (tests pass a fake). */
export interface RedisProbe {
  ping(): Promise<string>;
  config(op: 'GET', key: string): Promise<unknown>;
  info(section: string): Promise<string>;
  /** ioredis Cluster: true, and `nodes('master')` its masters' clients */
  isCluster?: boolean;
  nodes?(role: 'master'): RedisProbe[];
}

export const HEALTH_REDIS = Symbol('HEALTH_REDIS');

/**
 * Reads maxmemory-policy: `CONFIG GET` first; managed Redis often disables CONFIG, then
 * `INFO memory`'s `maxmemory_policy` line is used.
 */
export async function readMaxmemoryPolicy(redis: RedisProbe): Promise<string> {
  try {
    const reply = await redis.config('GET', 'maxmemory-policy');
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
  } catch {
    // CONFIG disabled/renamed or NOPERM: fall back to INFO below
  }
  const info = await redis.info('memory');
  const m = /^maxmemory_policy:(\S+)/m.exec(info);
  if (!m) throw new Error('maxmemory-policy not readable (CONFIG GET and INFO memory both failed)');
  return m[1];
}

/**
 * Redis readiness: PING answers, and the eviction policy is `noeviction` — with any other policy Redis
 * may silently drop BullMQ keys (jobs, locks) under memory pressure.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  async check<K extends string>(key: K, redis: RedisProbe): Promise<HealthIndicatorResult<K>> {
    const session = this.health.check(key);
    try {
      await redis.ping();
      if (redis.isCluster && redis.nodes) {
        // a Cluster: every master must answer and run noeviction (a key lives on one of them)
        const masters = redis.nodes('master');
        if (masters.length === 0) return session.down({ message: 'Redis Cluster: no master node known' });
        const policies = await Promise.all(masters.map(async (m) => (await m.ping(), readMaxmemoryPolicy(m))));
        const bad = policies.find((p) => p !== 'noeviction');
        if (bad) return session.down({ maxmemoryPolicy: bad, masters: masters.length, message: noeviction(bad) });
        return session.up({ maxmemoryPolicy: 'noeviction', masters: masters.length });
      }
      const policy = await readMaxmemoryPolicy(redis);
      if (policy !== 'noeviction') {
        return session.down({ maxmemoryPolicy: policy, message: noeviction(policy) });
      }
      return session.up({ maxmemoryPolicy: policy });
    } catch (e) {
      return session.down({ message: e instanceof Error ? e.message : String(e) });
    }
  }
}

function noeviction(policy: string): string {
  return `maxmemory-policy is "${policy}"; BullMQ needs "noeviction" (CONFIG SET maxmemory-policy noeviction)`;
}
