import { Global, Module } from '@nestjs/common';
import { redisTargetFromEnv } from '@app/contracts';
import { GatewayEnv } from '../config/env.validation';
import { RateLimitService } from './rate-limit.service';

/**
 * Request limits (RATE_LIMIT_*). Global, so the API-key guard can take the limiter as an optional
 * dependency: modules built without it (tests of one feature) only authenticate.
 */
@Global()
@Module({
  providers: [
    {
      provide: RateLimitService,
      inject: [GatewayEnv],
      useFactory: (env: GatewayEnv) =>
        env.RATE_LIMIT_ENABLED
          ? new RateLimitService({
              redis: redisTargetFromEnv(env),
              prefix: env.BULLMQ_PREFIX,
              windowSec: env.RATE_LIMIT_WINDOW_SEC,
              perKey: env.RATE_LIMIT_PER_KEY,
              perMerchant: env.RATE_LIMIT_PER_MERCHANT,
              webhookPerIp: env.RATE_LIMIT_WEBHOOK_PER_IP,
            })
          : null,
    },
  ],
  exports: [RateLimitService],
})
export class LimitsModule {}
