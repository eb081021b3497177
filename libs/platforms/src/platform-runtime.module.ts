import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { ResilienceModule } from '@app/resilience/resilience.module';
import { PlatformsModule } from './platforms.module';

export interface PlatformRuntimeOptions {
  redisUrl: string;
  timeoutMs: number;
  breakerResetMs: number;
  qpsPerShop: number;
  /** Redis key prefix of the shared rate limiter (tests use their own) */
  rateLimitKeyPrefix?: string;
  /** a module exporting ShopDirectory (ShopDirectoryModule from @app/persistence) */
  directory: Type | DynamicModule;
}

/**
 * Everything an app needs to call platforms: breakers and the shared rate limiter (ResilienceModule),
 * the three adapters and their registry (PlatformsModule), wired to the app's ShopDirectory. Global, so
 * feature modules inject PlatformAdapterRegistry / ShopDirectory without importing it again.
 */
@Global()
@Module({})
export class PlatformRuntimeModule {
  static forRoot(o: PlatformRuntimeOptions): DynamicModule {
    const platforms = PlatformsModule.forRoot({ http: { timeoutMs: o.timeoutMs }, imports: [o.directory] });
    return {
      module: PlatformRuntimeModule,
      imports: [
        ResilienceModule.forRoot({
          breaker: { requestTimeoutMs: o.timeoutMs, resetTimeoutMs: o.breakerResetMs },
          rateLimit: { redisUrl: o.redisUrl, defaultQps: o.qpsPerShop, keyPrefix: o.rateLimitKeyPrefix },
        }),
        o.directory,
        platforms,
      ],
      exports: [o.directory, platforms],
    };
  }
}
