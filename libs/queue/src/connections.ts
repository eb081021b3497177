import IORedis, { Cluster } from 'ioredis';
import { createIORedisClient, RedisConnection, type RedisOptions } from 'bullmq';
import { toRedisTarget, type RedisConfig, type RedisNode } from '@app/contracts';
import { clusterOptions, redisAuthOptions, sentinelOptions } from '@app/observability';

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

/**
 * A Redis Cluster's seed nodes and credentials, carried inside BullMQ connection options (BullMQ takes options
 * or a client; a client passed in is shared and never closed by BullMQ). The client factory below turns options
 * carrying it into an ioredis Cluster, so every Queue, Worker (and its blocking connection), FlowProducer and
 * QueueEvents owns and closes its own Cluster client, exactly as it does a standalone one.
 */
export interface ClusterSeed {
  nodes: RedisNode[];
  username?: string;
  password?: string;
  tls?: boolean;
}

/** BullMQ connection options as omnisync builds them: RedisOptions, plus the cluster seed in cluster mode */
export type QueueConnectionOptions = RedisOptions & { omnisyncCluster?: ClusterSeed };

/**
 * BullMQ's documented hook for building clients from options (RedisConnection.clientFactory), installed the
 * first time a cluster connection is built: options with `omnisyncCluster` → an ioredis Cluster (node options
 * from the rest: maxRetriesPerRequest null for blocking connections, as BullMQ sets it); any other options →
 * what BullMQ does without a factory (`new IORedis(url?, options)`, standalone or Sentinel).
 */
export function installClusterClientFactory(): void {
  if (RedisConnection.clientFactory === clusterAwareClientFactory) return;
  RedisConnection.clientFactory = clusterAwareClientFactory;
}

function clusterAwareClientFactory(opts: RedisOptions) {
  const { omnisyncCluster: seed, url, ...rest } = opts as QueueConnectionOptions & { url?: string };
  if (seed) return createIORedisClient(new Cluster(seed.nodes, clusterOptions(rest, redisAuthOptions(seed))));
  return createIORedisClient(url ? new IORedis(url, rest) : new IORedis(rest));
}

/** the RedisOptions of a target (URL, Sentinel set or, with the seed attached, a cluster); RedisOptions pass through */
export function queueConnectionBase(base: RedisConfig | QueueConnectionOptions): QueueConnectionOptions {
  if (typeof base === 'string') return redisOptionsFromUrl(base);
  if (!('mode' in base)) return base;
  const t = toRedisTarget(base as RedisConfig);
  if (t.mode === 'single') return redisOptionsFromUrl(t.url);
  if (t.mode === 'sentinel') return sentinelOptions(t);
  installClusterClientFactory();
  return { omnisyncCluster: { nodes: t.nodes, ...(t.username ? { username: t.username } : {}), ...(t.password ? { password: t.password } : {}), ...(t.tls ? { tls: true } : {}) } };
}

/** Reconnect forever with capped backoff (0.5 s, 1 s, ... up to 10 s). */
export function reconnectForever(times: number): number {
  return Math.min(500 * 2 ** Math.min(times - 1, 5), 10_000);
}

/**
 * Worker connections (BullMQ production guidance): `maxRetriesPerRequest: null` so blocking commands
 * wait out a Redis restart (or a cluster failover) instead of throwing, offline queue on, and a retryStrategy
 * that never gives up.
 */
export function workerConnection(base: RedisConfig | QueueConnectionOptions): QueueConnectionOptions {
  return {
    ...queueConnectionBase(base),
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
export function producerConnection(base: RedisConfig | QueueConnectionOptions): QueueConnectionOptions {
  return {
    ...queueConnectionBase(base),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectForever,
    connectionName: 'omnisync-producer',
  };
}
