import { parseHostPortList, parsePlatformApps } from '@app/contracts';
import { platformRegistry } from '@app/platforms';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MinLength, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { ToBoolean, ToInt } from './transforms';


export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** PLATFORM_QPS_SCOPE values (libs/platforms PlatformHttpOptions.qpsScope) */
export const QPS_SCOPES = ['api', 'shop'] as const;
export type QpsScope = (typeof QPS_SCOPES)[number];

const HTTP_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;
/** OUTBOUND_ALLOW_HOSTS: comma-separated host or host:port entries (IPv6 in brackets), or empty */
export const OUTBOUND_ALLOW_HOSTS_PATTERN = /^\s*((\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\s*(,\s*|$))*$/;

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/omnisync';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Variables every app reads. Each app extends this in apps/<app>/src/config/env.validation.ts
 * and sets its own PORT default. Secrets have no default.
 */
export class BaseEnv {
  @IsIn(NODE_ENVS, { message: `must be one of ${NODE_ENVS.join(', ')}` })
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsInt({ message: 'must be an integer port number' })
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  @ToInt()
  PORT: number = 3000;

  /**
   * Interface the HTTP API (PORT) and the metrics listener (METRICS_PORT) bind to. Default 127.0.0.1: a local
   * run is not reachable from the network; containers (docker/, k8s/) set 0.0.0.0 and k8s NetworkPolicies
   * decide who may connect (only the gateway reaches the internal services' API ports).
   */
  @Matches(/^[0-9a-fA-F:.]+$|^[A-Za-z0-9.-]+$/, { message: 'must be an IP address or host name (0.0.0.0 for every interface)' })
  BIND_HOST: string = '127.0.0.1';

  /** Prometheus /metrics, on its own port (never the public API port); each app sets its default, 0 = random */
  @IsInt({ message: 'must be an integer port number' })
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  @ToInt()
  METRICS_PORT: number = 9400;

  /**
   * Shared secret the gateway signs every call to order-sync, catalog-sync and coupon with (HMAC-SHA256, see
   * libs/service-auth); those services accept no other caller. Required, no default; at least 32 characters
   * (`openssl rand -hex 32`).
   */
  @IsString({ message: 'is required (at least 32 characters, e.g. `openssl rand -hex 32`)' })
  @MinLength(32, { message: 'must be at least 32 characters (e.g. `openssl rand -hex 32`)' })
  INTERNAL_SERVICE_SECRET: string;

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL: string = DEFAULT_DATABASE_URL;

  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  DATABASE_POOL_SIZE: number = 10;

  /** one Redis server; unused when REDIS_CLUSTER_NODES or REDIS_SENTINELS is set (docs/ARCHITECTURE.md "Redis: single, Cluster, Sentinel") */
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string = DEFAULT_REDIS_URL;

  /** a Redis Cluster: comma-separated host:port of some of its nodes (the rest are discovered); empty = not a cluster */
  @IsOptional()
  @IsHostPortList()
  REDIS_CLUSTER_NODES?: string;

  /** a Sentinel-managed master: comma-separated host:port of the sentinels (with REDIS_SENTINEL_NAME); empty = no Sentinel */
  @IsOptional()
  @IsHostPortList()
  @ValidateBy({
    name: 'notWithCluster',
    validator: { validate: (_v, args) => !(args?.object as BaseEnv).REDIS_CLUSTER_NODES, defaultMessage: () => 'cannot be set together with REDIS_CLUSTER_NODES (set one of them)' },
  })
  REDIS_SENTINELS?: string;

  /** the master set name the sentinels know (their `sentinel monitor <name> ...`); required with REDIS_SENTINELS */
  @ValidateIf((o: BaseEnv) => !!o.REDIS_SENTINELS || o.REDIS_SENTINEL_NAME !== undefined)
  @IsString({ message: 'is required with REDIS_SENTINELS (the master set name, e.g. mymaster)' })
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 characters of [A-Za-z0-9._-] (the master set name)' })
  REDIS_SENTINEL_NAME?: string;

  /** ACL user of the cluster nodes / the Sentinel-managed master (REDIS_URL carries its own) */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  REDIS_USERNAME?: string;

  /** password of the cluster nodes / the Sentinel-managed master (REDIS_URL carries its own) */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  REDIS_PASSWORD?: string;

  /** password of the sentinels themselves, if they have one */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  REDIS_SENTINEL_PASSWORD?: string;

  /** TLS to the cluster nodes / the Sentinel-managed master (REDIS_URL: use rediss://) */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  REDIS_TLS: boolean = false;

  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 characters of [A-Za-z0-9_-] (no ":")' })
  BULLMQ_PREFIX: string = 'omnisync';

  /** AES-256 key for secrets at rest (shop app secrets, tokens). Required, no default. */
  @IsString({ message: 'is required (64 hex characters, e.g. `openssl rand -hex 32`)' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be exactly 64 hex characters (32 bytes), e.g. `openssl rand -hex 32`' })
  SECRETS_KEY: string;

  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0, { message: 'must be >= 0' })
  @ToInt()
  SHUTDOWN_GRACE_MS: number = 25_000;

  /** axios timeout of every platform call (the breaker times out 500 ms later) */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100, { message: 'must be at least 100' })
  @ToInt()
  PLATFORM_TIMEOUT_MS: number = 5000;

  /** how long an open platform breaker rejects before one trial call */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100, { message: 'must be at least 100' })
  @ToInt()
  PLATFORM_BREAKER_RESET_MS: number = 10_000;

  /** calls per second per shop (and per API, see PLATFORM_QPS_SCOPE), shared by every process through Redis */
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  PLATFORM_QPS_PER_SHOP: number = 50;

  /**
   * how long a platform call may wait for its slot under PLATFORM_QPS_PER_SHOP before the limiter refuses it (the
   * job is then delayed, no attempt burned). The order path keeps it short; catalog-sync's background publishes and
   * pushes wait longer (its env: 1000), since a refused publish comes back seconds later and, half done, costs calls.
   */
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0, { message: 'must be at least 0' })
  @Max(10_000, { message: 'must be at most 10000' })
  @ToInt()
  PLATFORM_QPS_MAX_WAIT_MS: number = 200;

  /** 'api': PLATFORM_QPS_PER_SHOP for each API method of a shop (the platforms' quotas are per app and API); 'shop': for all of them */
  @IsIn(QPS_SCOPES, { message: `must be one of ${QPS_SCOPES.join(', ')}` })
  PLATFORM_QPS_SCOPE: QpsScope = 'api';

  /** API base URL per platform (operator configuration, never a shop field); default: the production host */
  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  PLATFORM_BASE_URL_DOUYIN?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  PLATFORM_BASE_URL_TAOBAO?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  PLATFORM_BASE_URL_XIAOHONGSHU?: string;

  /** the operator's service-provider (ISV) apps: JSON [{platform, appKey, appSecret}]; their secrets live only here */
  @IsOptional()
  @IsPlatformApps()
  PLATFORM_APPS?: string;

  /** largest platform response body accepted (bytes); a bigger one fails the call */
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(1024, { message: 'must be at least 1024' })
  @ToInt()
  PLATFORM_MAX_RESPONSE_BYTES: number = 8 * 1024 * 1024;

  /**
   * Outbound URL policy allowances (libs/net): hosts reached whatever their address, for every purpose
   * (platform, ERP, webhook) — the simulators on loopback in the demo, tests and benches. Empty in production.
   */
  @Matches(OUTBOUND_ALLOW_HOSTS_PATTERN, { message: 'must be comma-separated host or host:port entries (IPv6 in brackets), e.g. 127.0.0.1:4101,[::1]:4104' })
  OUTBOUND_ALLOW_HOSTS: string = '';

  /** allow loopback addresses (127.0.0.0/8, ::1) and localhost for every outbound purpose; false in production */
  @IsBoolean({ message: 'must be true or false' })
  @ToBoolean()
  OUTBOUND_ALLOW_LOOPBACK: boolean = false;

  /** every app: JSON request bodies larger than this get 413 (webhooks have their own 1 MB bound) */
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(1024, { message: 'must be at least 1024' })
  @ToInt()
  HTTP_JSON_LIMIT_BYTES: number = 1024 * 1024;

  /** every app: JSON request bodies nested deeper than this ({ or [ levels) get 400, checked before parsing */
  @IsInt({ message: 'must be an integer' })
  @Min(2, { message: 'must be at least 2' })
  @Max(1000, { message: 'must be at most 1000' })
  @ToInt()
  HTTP_JSON_MAX_DEPTH: number = 64;
}


function IsPlatformApps(): PropertyDecorator {
  return ValidateBy({
    name: 'isPlatformApps',
    validator: {
      validate: (v: unknown) => {
        if (typeof v !== 'string') return false;
        try {
          parsePlatformApps(v, (n) => platformRegistry.has(n), platformRegistry.names());
          return true;
        } catch {
          return false;
        }
      },
      // the parser's message names the entry and field, never a value
      defaultMessage: (args) => {
        try {
          parsePlatformApps(String(args?.value), (n) => platformRegistry.has(n), platformRegistry.names());
          return 'is invalid';
        } catch (e) {
          return (e as Error).message;
        }
      },
    },
  });
}

function IsHostPortList(): PropertyDecorator {
  const check = (v: unknown, name: string): string | null => {
    if (typeof v !== 'string') return 'must be comma-separated host:port entries';
    try {
      parseHostPortList(v, name);
      return null;
    } catch (e) {
      return (e as Error).message.replace(`${name}: `, '').replace(`${name} `, '');
    }
  };
  return ValidateBy({
    name: 'isHostPortList',
    validator: {
      validate: (v: unknown, args) => check(v, args?.property ?? '') === null,
      defaultMessage: (args) => `${check(args?.value, args?.property ?? '') ?? 'is invalid'} (comma-separated host:port, e.g. redis-0:6379,redis-1:6379)`,
    },
  });
}
