import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { BreakerRegistry, RedisRateLimiter } from '@app/resilience';
import { DouyinAdapter } from './douyin/douyin.adapter';
import type { PlatformAdapterDeps, PlatformHttpOptions } from './http';
import { PlatformAdapterRegistry } from './platform-adapter.registry';
import { ShopDirectory } from './shop-directory.port';
import { TaobaoAdapter, type TaobaoAdapterOptions } from './taobao/taobao.adapter';
import { XiaohongshuAdapter } from './xiaohongshu/xiaohongshu.adapter';

export interface PlatformsModuleOptions {
  http: PlatformHttpOptions;
  taobao?: TaobaoAdapterOptions;
  /** modules exporting ShopDirectory (e.g. the persistence ShopDirectoryModule); BreakerRegistry and
   * RedisRateLimiter come from ResilienceModule.forRoot (global) */
  imports?: ModuleMetadata['imports'];
}

const DEPS = Symbol('PLATFORM_ADAPTER_DEPS');

/**
 * The three platform adapters and PlatformAdapterRegistry. Import from
 * '@app/platforms/platforms.module' (kept out of the barrel: @nestjs/common is ESM-only and jest
 * loads the barrel as CommonJS).
 */
@Module({})
export class PlatformsModule {
  static forRoot(options: PlatformsModuleOptions): DynamicModule {
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
        { provide: DouyinAdapter, inject: [DEPS], useFactory: (d: PlatformAdapterDeps) => new DouyinAdapter(d) },
        { provide: TaobaoAdapter, inject: [DEPS], useFactory: (d: PlatformAdapterDeps) => new TaobaoAdapter(d, options.taobao) },
        { provide: XiaohongshuAdapter, inject: [DEPS], useFactory: (d: PlatformAdapterDeps) => new XiaohongshuAdapter(d) },
        {
          provide: PlatformAdapterRegistry,
          inject: [DouyinAdapter, TaobaoAdapter, XiaohongshuAdapter],
          useFactory: (d: DouyinAdapter, t: TaobaoAdapter, x: XiaohongshuAdapter) => new PlatformAdapterRegistry([d, t, x]),
        },
      ],
      exports: [DouyinAdapter, TaobaoAdapter, XiaohongshuAdapter, PlatformAdapterRegistry],
    };
  }
}
