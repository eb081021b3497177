import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { RedisConfig } from '@app/contracts';
import { createRedisClient, type RedisClient } from '@app/observability';

/** Remembers the nonces of accepted signed calls for their validity window, in Redis (shared by every replica). */
@Injectable()
export class NonceStore implements OnModuleDestroy {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  static connect(redis: RedisConfig, keyPrefix: string): NonceStore {
    return new NonceStore(createRedisClient(redis, { maxRetriesPerRequest: 2, connectTimeout: 2000, connectionName: 'omnisync-service-auth' }), keyPrefix);
  }

  /** true the first time a nonce is seen within `ttlMs`, false for a replay */
  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.keyPrefix}:svc-nonce:${nonce}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
