import type { RedisOptions } from 'bullmq';

/** host/port/db/credentials/tls from a redis:// or rediss:// URL. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Reconnect forever with capped backoff (0.5 s, 1 s, ... up to 10 s). */
export function reconnectForever(times: number): number {
  return Math.min(500 * 2 ** Math.min(times - 1, 5), 10_000);
}

/**
 * Worker connections (BullMQ production guidance): `maxRetriesPerRequest: null` so blocking commands
 * wait out a Redis restart instead of throwing, offline queue on, and a retryStrategy that never gives up.
 */
export function workerConnection(base: string | RedisOptions): RedisOptions {
  const opts = typeof base === 'string' ? redisOptionsFromUrl(base) : base;
  return {
    ...opts,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: reconnectForever,
    connectionName: 'omnisync-worker',
  };
}

/**
 * Producer connections (Queue instances used from HTTP handlers): `enableOfflineQueue: false` so an
 * enqueue fails at once while Redis is down (the handler answers 503) instead of hanging; reconnects forever.
 */
export function producerConnection(base: string | RedisOptions): RedisOptions {
  const opts = typeof base === 'string' ? redisOptionsFromUrl(base) : base;
  return {
    ...opts,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectForever,
    connectionName: 'omnisync-producer',
  };
}
