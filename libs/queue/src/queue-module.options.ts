export const QUEUE_MODULE_OPTIONS = Symbol('QUEUE_MODULE_OPTIONS');

export interface QueueModuleOptions {
  redisUrl: string;
  /** BullMQ key prefix (BULLMQ_PREFIX); tests pass a unique one */
  prefix: string;
  /** how long shutdown waits for active jobs before leaving them to stall recovery (SHUTDOWN_GRACE_MS) */
  shutdownGraceMs?: number;
}
