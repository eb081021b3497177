/**
 * Where Redis is: one server (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES) or a Sentinel-managed master
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME). Every Redis client of every app is made from one of these by
 * libs/observability createRedisClient (plain clients) and libs/queue workerConnection / producerConnection
 * (BullMQ). A plain string is a standalone redis:// URL (tests, scripts).
 */
export interface RedisNode {
  host: string;
  port: number;
}

interface RedisAuth {
  /** ACL user of the data nodes (cluster nodes, the Sentinel-managed master) */
  username?: string;
  /** password of the data nodes */
  password?: string;
  /** TLS to the data nodes */
  tls?: boolean;
}

export type RedisTarget =
  | { mode: 'single'; url: string }
  | ({ mode: 'cluster'; nodes: RedisNode[] } & RedisAuth)
  | ({ mode: 'sentinel'; sentinels: RedisNode[]; name: string; sentinelPassword?: string; db?: number } & RedisAuth);

export type RedisMode = RedisTarget['mode'];

/** a RedisTarget, or a standalone URL */
export type RedisConfig = string | RedisTarget;

export function toRedisTarget(c: RedisConfig): RedisTarget {
  return typeof c === 'string' ? { mode: 'single', url: c } : c;
}

/** comma-separated host:port entries (IPv6 in brackets), at least one */
export const HOST_PORT_LIST_PATTERN = /^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}\s*)*$/;

/** `a:1, b:2` → nodes; throws naming `variable` on a bad entry */
export function parseHostPortList(value: string, variable: string): RedisNode[] {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length === 0) throw new Error(`${variable} must be comma-separated host:port entries`);
  return entries.map((e) => {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(e);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`${variable}: "${e}" is not host:port (port 1-65535)`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
  });
}

/** the variables RedisTarget is read from (BaseEnv validates them) */
export interface RedisEnv {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_NAME?: string;
  REDIS_USERNAME?: string;
  REDIS_PASSWORD?: string;
  REDIS_SENTINEL_PASSWORD?: string;
  REDIS_TLS?: boolean;
}

/**
 * REDIS_CLUSTER_NODES set: the cluster; else REDIS_SENTINELS set: the Sentinel set; else REDIS_URL. Setting both
 * of the first two is refused by BaseEnv (and here).
 */
export function redisTargetFromEnv(env: RedisEnv): RedisTarget {
  const cluster = env.REDIS_CLUSTER_NODES?.trim();
  const sentinels = env.REDIS_SENTINELS?.trim();
  if (cluster && sentinels) throw new Error('REDIS_CLUSTER_NODES and REDIS_SENTINELS are exclusive: set one of them (or neither, for REDIS_URL)');
  const auth = {
    ...(env.REDIS_USERNAME ? { username: env.REDIS_USERNAME } : {}),
    ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}),
    ...(env.REDIS_TLS ? { tls: true } : {}),
  };
  if (cluster) return { mode: 'cluster', nodes: parseHostPortList(cluster, 'REDIS_CLUSTER_NODES'), ...auth };
  if (sentinels) {
    if (!env.REDIS_SENTINEL_NAME) throw new Error('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the master set name)');
    return {
      mode: 'sentinel',
      sentinels: parseHostPortList(sentinels, 'REDIS_SENTINELS'),
      name: env.REDIS_SENTINEL_NAME,
      ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
      ...auth,
    };
  }
  return { mode: 'single', url: env.REDIS_URL };
}

/** for log lines and errors: where, never a password */
export function describeRedisTarget(c: RedisConfig): string {
  const t = toRedisTarget(c);
  if (t.mode === 'cluster') return `Redis Cluster ${t.nodes.map(hostPort).join(',')}`;
  if (t.mode === 'sentinel') return `Redis Sentinel ${t.sentinels.map(hostPort).join(',')} (master ${t.name})`;
  try {
    const u = new URL(t.url);
    return `Redis ${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'Redis (unparsable URL)';
  }
}

function hostPort(n: RedisNode): string {
  return n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`;
}

/** the variables that name `c` (the inverse of redisTargetFromEnv): for child processes, benches, tests */
export function redisEnvOf(c: RedisConfig): Record<string, string> {
  const t = toRedisTarget(c);
  if (t.mode === 'single') return { REDIS_URL: t.url };
  const list = (ns: RedisNode[]) => ns.map(hostPort).join(',');
  const auth = { ...(t.username ? { REDIS_USERNAME: t.username } : {}), ...(t.password ? { REDIS_PASSWORD: t.password } : {}), ...(t.tls ? { REDIS_TLS: 'true' } : {}) };
  if (t.mode === 'cluster') return { REDIS_CLUSTER_NODES: list(t.nodes), ...auth };
  return { REDIS_SENTINELS: list(t.sentinels), REDIS_SENTINEL_NAME: t.name, ...(t.sentinelPassword ? { REDIS_SENTINEL_PASSWORD: t.sentinelPassword } : {}), ...auth };
}
