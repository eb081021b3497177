import { type DynamicModule, Module } from '@nestjs/common';
import type { RedisConfig } from '@app/contracts';
import { APP_GUARD } from '@nestjs/core';
import { NonceStore } from './nonce-store';
import { SERVICE_AUTH_OPTIONS, ServiceSignatureGuard, type ServiceAuthOptions } from './service-signature.guard';

/** Installs ServiceSignatureGuard globally. The app must keep raw bodies (createServiceApp's `internal`: `req.rawBody`). */
@Module({})
export class ServiceAuthModule {
  static forRoot(opts: ServiceAuthOptions & { redis: RedisConfig; keyPrefix: string }): DynamicModule {
    return {
      module: ServiceAuthModule,
      providers: [
        { provide: SERVICE_AUTH_OPTIONS, useValue: { secret: opts.secret, windowMs: opts.windowMs } },
        { provide: NonceStore, useFactory: () => NonceStore.connect(opts.redis, opts.keyPrefix) },
        { provide: APP_GUARD, useClass: ServiceSignatureGuard },
      ],
    };
  }
}
