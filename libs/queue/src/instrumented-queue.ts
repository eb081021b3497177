import { redisErrorLog, withRedisErrorLog } from '@app/observability';
import { Queue, type QueueOptions } from 'bullmq';

/** one error log for every registered queue of the process: a Redis outage is one line, not one per queue */
const QUEUE_ERRORS = redisErrorLog('bullmq queues');

/**
 * The Queue class @nestjs/bullmq instantiates for every registered queue (set by registerQueues via
 * BullModule.queueClass): a Queue with the Redis error listener every client gets (redisErrorLog), so a Redis
 * restart is one log line (all queues together) instead of BullMQ's console.error stack on every reconnect
 * attempt of every queue.
 */
export class InstrumentedQueue extends Queue {
  constructor(name: string, opts?: QueueOptions) {
    super(name, opts);
    withRedisErrorLog(this, `queue ${name}`, QUEUE_ERRORS);
  }
}
