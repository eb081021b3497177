import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';

const ACQUIRE_OR_RENEW = `
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/**
 * One active instance per named loop (SLA check, sweeper, poll scheduler) across all replicas: a Redis key
 * held with a TTL a few intervals long and renewed by its holder on each tick. Uses the queue's connection
 * and key prefix, so tests with their own BullMQ prefix never contend with each other.
 */
export class LeaderLock {
  private readonly token = randomUUID();

  constructor(
    private readonly queue: Queue,
    private readonly name: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(): Promise<boolean> {
    const client = await this.queue.client;
    const key = `${this.queue.opts.prefix ?? 'bull'}:{order-sync-leader}:${this.name}`;
    const r = await client.eval(ACQUIRE_OR_RENEW, 1, key, this.token, String(this.ttlMs));
    return r === 1;
  }
}
