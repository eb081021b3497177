import type { QueueName } from '@app/contracts';

export const QUEUE_MODULE_OPTIONS = Symbol('QUEUE_MODULE_OPTIONS');

import type { RedisConfig } from '@app/contracts';

export interface QueueModuleOptions {
  /** where Redis is (redisTargetFromEnv(env) in the apps; a URL in tests) */
  redis: RedisConfig;
  /** BullMQ key prefix (BULLMQ_PREFIX); tests pass a unique one */
  prefix: string;
  /** how long shutdown waits for active jobs before leaving them to stall recovery (SHUTDOWN_GRACE_MS) */
  shutdownGraceMs?: number;
  /**
   * the queues this process works: at start-up every job name they carry (libs/contracts QUEUE_JOBS) must have
   * exactly one handler here, and no processor may work another queue (JobHandlerCheck). Unset (test harnesses
   * that mount a few features): only doubled and unknown handlers are refused.
   */
  process?: readonly QueueName[];
}
