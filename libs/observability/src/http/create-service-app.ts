import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadEnv, type BaseEnv } from '@app/config';
import { redisTargetFromEnv } from '@app/contracts';
import type { ClassConstructor } from 'class-transformer';
import helmet from 'helmet';
import { checkDependencies } from '../health/preflight';
import { correlationMiddleware } from '../logging/request-context';
import { PinoLoggerService } from '../logging/pino-logger.service';
import { httpMetricsMiddleware } from '../metrics/http-metrics';
import { applyJsonBodyLimits } from './json-body';
import { JsonExceptionFilter } from './json-exception.filter';
import { StrictValidationPipe } from './strict-validation.pipe';

export interface ServiceAppOptions {
  /** env overrides on top of process.env (tests: PORT '0', DATABASE_URL, BULLMQ_PREFIX, SECRETS_KEY) */
  env?: Record<string, string | undefined>;
  /** skip the Postgres/Redis reachability check (default: check) */
  skipPreflight?: boolean;
}

export interface ServiceAppSpec<E extends BaseEnv> {
  name: string;
  EnvClass: ClassConstructor<E>;
  rootModule: (env: E) => DynamicModule;
  /**
   * an internal service (order-sync, catalog-sync, coupon): keeps each request's raw body (`req.rawBody`) so
   * libs/service-auth can check the gateway signature's body hash
   */
  internal?: boolean;
  /** app-specific middleware ahead of everything else (the gateway's per-key limit: a refused request costs nothing more) */
  early?: (app: INestApplication, env: E) => void;
  /** app-specific HTTP setup after the common one (swagger, bull board ...) */
  configure?: (app: INestApplication, env: E) => void | Promise<void>;
}

export interface ServiceApp<E extends BaseEnv> {
  app: INestApplication;
  env: E;
  logger: PinoLoggerService;
}

/**
 * The common shell of every app: validated env (one-line error on failure), start-up reachability check
 * of Postgres and Redis, pino logger, correlation id middleware, helmet's security headers, bounded JSON
 * bodies (HTTP_JSON_LIMIT_BYTES -> 413, HTTP_JSON_MAX_DEPTH -> 400, `__proto__`/`constructor`/`prototype`
 * keys -> 400, malformed -> 400), global StrictValidationPipe (whitelist + forbidNonWhitelisted + transform,
 * and the same prototype keys refused in every body and query),
 * JSON exception filter, shutdown hooks.
 */
export async function createServiceApp<E extends BaseEnv>(spec: ServiceAppSpec<E>, opts: ServiceAppOptions = {}): Promise<ServiceApp<E>> {
  const env = loadEnv(spec.EnvClass, { ...process.env, ...(opts.env ?? {}) }, { app: spec.name });
  if (!opts.skipPreflight) await checkDependencies({ databaseUrl: env.DATABASE_URL, redis: redisTargetFromEnv(env) });
  const logger = new PinoLoggerService({
    level: env.LOG_LEVEL,
    format: env.NODE_ENV === 'production' ? 'json' : 'pretty',
    app: spec.name,
  });
  const app = await NestFactory.create(spec.rootModule(env), { logger, abortOnError: false });
  // first: every request is timed, the ones a later middleware refuses too
  app.use(httpMetricsMiddleware(spec.name));
  spec.early?.(app, env);
  app.use(correlationMiddleware);
  app.use(helmet());
  app.useGlobalPipes(new StrictValidationPipe());
  app.useGlobalFilters(new JsonExceptionFilter());
  app.enableShutdownHooks();
  await spec.configure?.(app, env);
  // after configure: its raw-stream middleware (webhook capture, catalog proxy) must see bodies first
  applyJsonBodyLimits(app, { limitBytes: env.HTTP_JSON_LIMIT_BYTES, maxDepth: env.HTTP_JSON_MAX_DEPTH, keepRawBody: spec.internal === true });
  return { app, env, logger };
}

/** `/__main__` check that works both with `node -r scripts/register.js file.ts` and `node scripts/run-ts.js file.ts`. */
export function isEntryPoint(mod: NodeModule, filename: string): boolean {
  return require.main === mod || process.argv[1] === filename;
}
