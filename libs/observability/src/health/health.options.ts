export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');
export interface HealthModuleOptions {
  redisUrl: string;
  /** check Postgres in /health/ready (default true; needs a TypeORM DataSource in the app) */
  database?: boolean;
}
