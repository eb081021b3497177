import { Logger } from '@nestjs/common';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { toRedisTarget, type RedisConfig, type RedisTarget } from '@app/contracts';

/** what createRedisClient returns: one server's client (standalone or Sentinel-managed) or a Cluster client */
export type RedisClient = Redis | Cluster;

/** how long repeats of one client's error are held back before one line says how many there were */
export const REDIS_ERROR_REPEAT_MS = 30_000;

/**
 * Command timeout of the clients health probes use: a frozen Redis (process stopped, TCP still open) never
 * answers, and without a timeout a readiness probe would wait forever instead of answering "not ready".
 * Two probe commands in a row (PING, CONFIG GET) stay under a second.
 */
export const REDIS_PROBE_COMMAND_TIMEOUT_MS = 400;

interface ErrorSource {
  on(event: 'error', listener: (e: Error) => void): unknown;
}

/**
 * An 'error' listener for anything that emits Redis connection errors (an ioredis client, a BullMQ Queue,
 * Worker or FlowProducer): without one, ioredis prints "[ioredis] Unhandled error event" with a stack on
 * every reconnect attempt, and BullMQ falls back to console.error. The first error of a run is logged (`msg`,
 * the client's name and the message; never the URL), repeats within REDIS_ERROR_REPEAT_MS are counted
 * and reported in the next line after that. `onBack()` (call it on 'ready') logs the recovery once.
 */
export function redisErrorLog(
  name: string,
  opts: { logger?: Pick<Logger, 'warn' | 'error' | 'log'>; msg?: string; level?: 'warn' | 'error' } = {},
): { onError: (e: Error) => void; onBack: () => void } {
  const logger = opts.logger ?? new Logger('Redis');
  const msg = opts.msg ?? 'redis connection error';
  const level = opts.level ?? 'warn';
  let lastLoggedAt = 0;
  let held = 0;
  let failing = false;
  return {
    onError(e: Error) {
      failing = true;
      const now = Date.now();
      if (now - lastLoggedAt < REDIS_ERROR_REPEAT_MS) {
        held += 1;
        return;
      }
      logger[level]({ msg, client: name, error: e.message, ...(held > 0 ? { repeatedSinceLastLine: held } : {}) });
      lastLoggedAt = now;
      held = 0;
    },
    onBack() {
      if (!failing) return;
      failing = false;
      logger.log({ msg: 'redis connection back', client: name, ...(held > 0 ? { errorsNotLogged: held } : {}) });
      held = 0;
      lastLoggedAt = 0;
    },
  };
}

/**
 * Attaches an error listener to a BullMQ Queue / Worker / FlowProducer (or any error emitter): its own
 * redisErrorLog, or `log` when several sources share one (one line per outage for all of them); returns it.
 */
export function withRedisErrorLog<T extends ErrorSource>(source: T, name: string, log = redisErrorLog(name)): T {
  source.on('error', log.onError);
  return source;
}

export interface RedisClientOptions extends RedisOptions {
  /** CLIENT SETNAME and the name in error lines, e.g. `omnisync-health` */
  connectionName: string;
  /** `silent`: the caller reports failures itself (start-up preflight); default `log` */
  errors?: 'log' | 'silent';
}

/** how a Cluster client waits out a failover: ioredis's redirection and retry delays, bounded */
export const CLUSTER_FAILOVER_OPTIONS = {
  maxRedirections: 16,
  retryDelayOnFailover: 200,
  retryDelayOnClusterDown: 300,
  retryDelayOnTryAgain: 200,
  slotsRefreshTimeout: 2000,
} as const satisfies ClusterOptions;

/**
 * The one way omnisync creates an ioredis client, for every Redis mode (RedisTarget, @app/config): named, and
 * never without an 'error' listener (see redisErrorLog). `opts` are the per-connection options the code sets
 * today (timeouts, maxRetriesPerRequest, offline queue, retry strategy); for a Cluster they apply to each node
 * connection, and the offline queue, lazyConnect and retry strategy to the cluster client itself. BullMQ builds
 * its own clients from options (libs/queue connections.ts); its Queues, Workers and FlowProducers get the same
 * listener through withRedisErrorLog.
 */
export function createRedisClient(target: RedisConfig, opts: RedisClientOptions): RedisClient {
  const { errors = 'log', ...options } = opts;
  const client = connect(toRedisTarget(target), options);
  if (errors === 'silent') {
    client.on('error', () => undefined);
  } else {
    const log = redisErrorLog(options.connectionName);
    client.on('error', log.onError);
    client.on('ready', log.onBack);
  }
  return client;
}

function connect(t: RedisTarget, options: RedisOptions): RedisClient {
  if (t.mode === 'single') return new Redis(t.url, options);
  if (t.mode === 'sentinel') return new Redis({ ...options, ...sentinelOptions(t) });
  return new Cluster(t.nodes, clusterOptions(options, redisAuthOptions(t)));
}

/** the credentials and TLS a Sentinel or Cluster target names, as ioredis options */
export function redisAuthOptions(t: { username?: string; password?: string; tls?: boolean }): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return { ...(t.username ? { username: t.username } : {}), ...(t.password ? { password: t.password } : {}), ...(t.tls ? { tls: {} } : {}) };
}

/** the ioredis options that find a Sentinel target's master (its credentials included) */
export function sentinelOptions(
  t: Extract<RedisTarget, { mode: 'sentinel' }>,
): Pick<RedisOptions, 'username' | 'password' | 'tls' | 'sentinels' | 'name' | 'sentinelPassword' | 'enableTLSForSentinelMode' | 'db'> {
  return {
    ...redisAuthOptions(t),
    sentinels: t.sentinels,
    name: t.name,
    ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
    ...(t.tls ? { enableTLSForSentinelMode: true } : {}),
    ...(t.db !== undefined ? { db: t.db } : {}),
  };
}

/** RedisOptions (one connection's) → the Cluster client's options; node-level ones go to each node */
export function clusterOptions(options: RedisOptions, auth: Pick<RedisOptions, 'username' | 'password' | 'tls'> = {}): ClusterOptions {
  const { enableOfflineQueue, lazyConnect, retryStrategy, enableReadyCheck, host: _h, port: _p, path: _pa, sentinels: _s, readOnly: _r, db: _db, ...node } = options;
  return {
    ...CLUSTER_FAILOVER_OPTIONS,
    redisOptions: { ...node, ...auth },
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(enableReadyCheck !== undefined ? { enableReadyCheck } : {}),
    // the cluster client reconnects as the code asked for one connection (null: give up)
    ...(retryStrategy !== undefined ? { clusterRetryStrategy: retryStrategy } : {}),
  };
}

/**
 * A client for health probes: fails fast instead of queueing (no offline queue, one retry) and every command
 * times out after REDIS_PROBE_COMMAND_TIMEOUT_MS, so /health/ready says "not ready" within a second even
 * while Redis is frozen; reconnects with a short capped backoff.
 */
export function createProbeRedisClient(target: RedisConfig, connectionName: string): RedisClient {
  return createRedisClient(target, {
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: REDIS_PROBE_COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
}

/**
 * Deletes every key matching `pattern` (SCAN MATCH + UNLINK) — on a Cluster on each master (SCAN on a cluster
 * client reaches one node only), one key per UNLINK (several keys in one command must share a slot). For clean-ups
 * (bench, demo, tests), never on the order path. Returns how many keys went.
 */
export async function deleteKeysMatching(client: RedisClient, pattern: string): Promise<number> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  let n = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const pipe = node.pipeline();
      for (const k of keys) pipe.unlink(k);
      for (const [err, res] of (await pipe.exec()) ?? []) if (!err) n += Number(res);
    } while (cursor !== '0');
  }
  return n;
}
