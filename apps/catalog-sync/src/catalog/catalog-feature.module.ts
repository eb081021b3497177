import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { QUEUE, publishQueueOf } from '@app/contracts';
import { platformNames } from '@app/platforms';
import { registerQueues } from '@app/queue';
import { ComplianceController } from '../compliance/compliance.controller';
import { ComplianceService } from '../compliance/compliance.service';
import { ImportController } from '../import/import.controller';
import { CatalogImportService } from '../import/catalog-import.service';
import { PlatformStockSource } from '../publish/adapters/platform-stock-source.adapter';
import { PublishStockSource } from '../publish/ports/publish-stock-source.port';
import { PublishController } from '../publish/publish.controller';
import { PublishFlowProducer } from '../publish/publish-flow.producer';
import { PublishJobService } from '../publish/publish-job.service';
import { PublishFlowProcessor, PublishProductProcessor, platformPublishProcessors } from '../publish/publish.processor';
import { PublishService } from '../publish/publish.service';
import { CatalogExceptionsController } from '../exceptions/catalog-exceptions.controller';
import { CatalogExceptionsRepository } from '../exceptions/catalog-exceptions.repository';
import { CatalogExceptionsService } from '../exceptions/catalog-exceptions.service';
import { CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { CATALOG_FEATURE_OPTIONS, DEFAULT_CATALOG_FEATURE_OPTIONS, type CatalogFeatureOptions } from './catalog-feature.options';

export interface CatalogFeatureModuleOptions {
  options?: Partial<CatalogFeatureOptions>;
  /**
   * Modules exporting PlatformAdapterRegistry (PlatformsModule.forRoot from '@app/platforms/platforms.module')
   * and ShopDirectory (ShopDirectoryModule from @app/persistence). Leave empty when they are global.
   */
  imports?: ModuleMetadata['imports'];
  /** e.g. `{ provide: PublishStockSource, useExisting: <the stock feature's source> }` (overrides the default) */
  providers?: Provider[];
}

/**
 * Canonical catalog (products, SKUs, overrides, SKU mappings), compliance (banned words + platform limits),
 * catalog import, and the publish fan-out (BullMQ flow on CATALOG_PUBLISH_FLOW with one child per shop on its
 * platform's publish queue, publishQueueOf — queues of their own, so publishing never competes with order or stock
 * jobs, and one platform's quota never holds another platform's publishes back; CATALOG_PUBLISH only drains).
 * Needs in the app: a TypeORM DataSource (PersistenceModule.forRoot) and QueueModule.forRoot.
 * Exports CatalogRepository / CatalogService for the stock and price-tier features.
 */
@Module({})
export class CatalogFeatureModule {
  static register(cfg: CatalogFeatureModuleOptions = {}): DynamicModule {
    const options: CatalogFeatureOptions = { ...DEFAULT_CATALOG_FEATURE_OPTIONS, ...(cfg.options ?? {}) };
    return {
      module: CatalogFeatureModule,
      imports: [...(cfg.imports ?? []), registerQueues([QUEUE.CATALOG_PUBLISH, QUEUE.CATALOG_PUBLISH_FLOW, ...platformNames().map(publishQueueOf)])],
      controllers: [CatalogController, PublishController, ComplianceController, ImportController, CatalogExceptionsController],
      providers: [
        { provide: CATALOG_FEATURE_OPTIONS, useValue: options },
        CatalogRepository,
        CatalogService,
        ComplianceService,
        CatalogImportService,
        PublishService,
        PublishFlowProducer,
        PublishJobService,
        PublishProductProcessor,
        ...platformPublishProcessors(platformNames()),
        PublishFlowProcessor,
        { provide: PublishStockSource, useClass: PlatformStockSource },
        CatalogExceptionsRepository,
        CatalogExceptionsService,
        ...(cfg.providers ?? []),
      ],
      exports: [CatalogRepository, CatalogService, ComplianceService, PublishService],
    };
  }
}
