export const QUEUE_MODULE_OPTIONS = Symbol('QUEUE_MODULE_OPTIONS');

import type { RedisConfig } from '@app/contracts';

export interface QueueModuleOptions {
  /** where Redis is (redisTargetFromEnv(env) in the apps; a URL in tests) */
  redis: RedisConfig;
  /** BullMQ key prefix (BULLMQ_PREFIX); tests pass a unique one */
  prefix: string;
  /** how long shutdown waits for active jobs before leaving them to stall recovery (SHUTDOWN_GRACE_MS) */
  shutdownGraceMs?: number;
}
