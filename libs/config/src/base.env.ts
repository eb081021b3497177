import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { ToInt } from './transforms';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** PLATFORM_QPS_SCOPE values (libs/platforms PlatformHttpOptions.qpsScope) */
export const QPS_SCOPES = ['api', 'shop'] as const;
export type QpsScope = (typeof QPS_SCOPES)[number];

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

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL: string = DEFAULT_DATABASE_URL;

  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @ToInt()
  DATABASE_POOL_SIZE: number = 10;

  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string = DEFAULT_REDIS_URL;

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

  /** 'api': PLATFORM_QPS_PER_SHOP for each API method of a shop (the platforms' quotas are per app and API); 'shop': for all of them */
  @IsIn(QPS_SCOPES, { message: `must be one of ${QPS_SCOPES.join(', ')}` })
  PLATFORM_QPS_SCOPE: QpsScope = 'api';

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
