import { Inject, Injectable, Module, type DynamicModule, type ModuleMetadata, type OnApplicationBootstrap, type Provider } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { registerQueues } from '@app/queue';
import { PlatformApiPriceReader } from './adapters/platform-api-price-reader.adapter';
import { PlatformPriceReader } from './ports/platform-price-reader.port';
import { PriceTiersController } from './price-tiers.controller';
import { PriceTiersProcessor } from './price-tiers.processor';
import { PriceTiersService } from './price-tiers.service';

const PRICE_TIERS_CONCURRENCY = Symbol('PRICE_TIERS_CONCURRENCY');

export interface PriceTiersFeatureModuleOptions {
  /** apply-price-tier worker concurrency (env PRICE_TIERS_CONCURRENCY) */
  concurrency?: number;
  /** modules exporting PlatformAdapterRegistry and ShopDirectory, unless they are global */
  imports?: ModuleMetadata['imports'];
  /** binds PlatformPriceReader (default: PlatformApiPriceReader, the adapters' getSkuPrice; 'unverified' where a platform has no price read) */
  priceReader?: Provider;
}

@Injectable()
class PriceTiersLifecycle implements OnApplicationBootstrap {
  constructor(
    private readonly processor: PriceTiersProcessor,
    @Inject(PRICE_TIERS_CONCURRENCY) private readonly concurrency: number | null,
  ) {}
  onApplicationBootstrap(): void {
    if (this.concurrency !== null) this.processor.worker.concurrency = this.concurrency;
  }
}

/**
 * Price tiers: POST /skus/:id/price-tiers, GET /skus/:id/prices, delayed apply / revert jobs on
 * {price-tiers}. Needs a TypeORM DataSource, QueueModule.forRoot, PlatformAdapterRegistry and ShopDirectory.
 */
@Module({})
export class PriceTiersFeatureModule {
  static register(cfg: PriceTiersFeatureModuleOptions = {}): DynamicModule {
    return {
      module: PriceTiersFeatureModule,
      imports: [...(cfg.imports ?? []), registerQueues([QUEUE.PRICE_TIERS])],
      controllers: [PriceTiersController],
      providers: [
        cfg.priceReader ?? { provide: PlatformPriceReader, useClass: PlatformApiPriceReader },
        { provide: PRICE_TIERS_CONCURRENCY, useValue: cfg.concurrency ?? null },
        PriceTiersService,
        PriceTiersProcessor,
        PriceTiersLifecycle,
      ],
      exports: [PriceTiersService],
    };
  }
}
