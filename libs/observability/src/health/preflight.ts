import { Client } from 'pg';
import { StartupError } from '@app/config';
import { describeRedisTarget, toRedisTarget, type RedisConfig } from '@app/contracts';
import { createRedisClient } from '../redis/redis-client';

function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? '6379' : '5432')}${u.protocol.startsWith('postgres') ? u.pathname : ''}`;
  } catch {
    return '(unparseable URL)';
  }
}

export async function checkPostgres(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '3D000') {
      throw new StartupError(`Postgres at ${where(url)}: database does not exist — create it and apply migrations with \`npm run migrate\``);
    }
    throw new StartupError(
      `Postgres unreachable at ${where(url)} (${code ?? (e as Error).message}) — start it (e.g. \`docker compose up -d postgres\` or \`sudo service postgresql start\`) or set DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(target: RedisConfig, timeoutMs = 3000): Promise<void> {
  // errors are reported as the StartupError below; the command timeout covers a Redis that accepts the
  // connection but never answers (frozen)
  const redis = createRedisClient(target, {
    connectionName: 'omnisync-preflight',
    errors: 'silent',
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    const t = toRedisTarget(target);
    const at = t.mode === 'single' ? `Redis unreachable at ${where(t.url)}` : `${describeRedisTarget(t)} unreachable`;
    const variable = t.mode === 'cluster' ? 'REDIS_CLUSTER_NODES' : t.mode === 'sentinel' ? 'REDIS_SENTINELS / REDIS_SENTINEL_NAME' : 'REDIS_URL';
    throw new StartupError(
      `${at} (${(e as { code?: string }).code ?? (e as Error).message}) — start it (e.g. \`docker compose up -d redis\` or \`redis-server --maxmemory-policy noeviction\`) or set ${variable}`,
    );
  } finally {
    redis.disconnect();
  }
}

/** Start-up check: both dependencies reachable, else a one-line StartupError naming which and how to start it. */
export async function checkDependencies(opts: { databaseUrl?: string; redis?: RedisConfig }): Promise<void> {
  const checks: Promise<void>[] = [];
  if (opts.databaseUrl) checks.push(checkPostgres(opts.databaseUrl));
  if (opts.redis) checks.push(checkRedis(opts.redis));
  const results = await Promise.allSettled(checks);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
  if (failed.length) throw new StartupError(failed.join(' | '));
}
