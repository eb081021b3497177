import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import type { PlatformAdapterDeps, PlatformHttpOptions } from './http';
import { PlatformAdapterRegistry } from './platform-adapter.registry';
import { ShopDirectory } from './shop-directory.port';
import type { PlatformAdapter } from './platform-adapter.port';
import { PlatformRegistry, platformRegistry } from './registry';

export interface PlatformsModuleOptions {
  http: PlatformHttpOptions;
  /** per-platform adapter options, by platform name (passed to the manifest's createAdapter) */
  platformOptions?: Record<string, unknown>;
  /** the platform registry (default: the build's registry, libs/platforms/src/registry.ts) */
  registry?: PlatformRegistry;
  /** modules exporting ShopDirectory (e.g. the persistence ShopDirectoryModule); BreakerRegistry and
   * RedisRateLimiter come from ResilienceModule.forRoot (global) */
  imports?: ModuleMetadata['imports'];
}

const DEPS = Symbol('PLATFORM_ADAPTER_DEPS');

/**
 * One adapter per registered platform (libs/platforms/src/registry.ts), PlatformAdapterRegistry and the PlatformRegistry. Import from
 * '@app/platforms/platforms.module' (kept out of the barrel: @nestjs/common is ESM-only and jest
 * loads the barrel as CommonJS).
 */
@Module({})
export class PlatformsModule {
  static forRoot(options: PlatformsModuleOptions): DynamicModule {
    const registry = options.registry ?? platformRegistry;
    const optionsFor = (name: string): unknown => options.platformOptions?.[name];
    return {
      module: PlatformsModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: DEPS,
          inject: [ShopDirectory, BreakerRegistry, RedisRateLimiter],
          useFactory: (directory: ShopDirectory, breakers: BreakerRegistry, limiter: RedisRateLimiter): PlatformAdapterDeps => ({
            directory,
            breakers,
            limiter,
            options: options.http,
          }),
        },
        // one provider per registered platform, the manifest's adapter class as its token
        ...registry.all().map((m) => ({
          provide: m.adapter,
          inject: [DEPS],
          useFactory: (d: PlatformAdapterDeps) => m.createAdapter(d, optionsFor(m.name)),
        })),
        {
          provide: PlatformAdapterRegistry,
          inject: registry.all().map((m) => m.adapter),
          useFactory: (...adapters: PlatformAdapter[]) => new PlatformAdapterRegistry(adapters),
        },
        { provide: PlatformRegistry, useValue: registry },
      ],
      exports: [...registry.all().map((m) => m.adapter), PlatformAdapterRegistry, PlatformRegistry],
    };
  }
}
