export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');
import type { RedisConfig } from '@app/contracts';

export interface HealthModuleOptions {
  redis: RedisConfig;
  /** check Postgres in /health/ready (default true; needs a TypeORM DataSource in the app) */
  database?: boolean;
}
