import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { QUEUE } from '@app/contracts';
import { ErpShipmentsController, OrderShipmentsController } from './erp-shipments.controller';
import { ShipOrderProcessor } from './ship-order.processor';
import { ShipmentIntakeService } from './shipment-intake.service';
import { ShipmentJobs } from './shipment-jobs';
import { ShipmentSweeper } from './shipment-sweeper.service';
import { ShipmentWritebackService } from './shipment-writeback.service';
import { DEFAULT_SHIPMENTS_OPTIONS, SHIPMENTS_OPTIONS, type ShipmentsOptions } from './shipments.options';

/** Retries are BullMQ's; throttling and outages move the job to delayed instead (settleJob). */
const defaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 10_000, age: 3600 },
  removeOnFail: { count: 50_000, age: 7 * 24 * 3600 },
};

export interface ShipmentsFeatureModuleOptions {
  /** partial options, merged over DEFAULT_SHIPMENTS_OPTIONS */
  options?: Partial<ShipmentsOptions>;
  /**
   * Modules that export the ports this feature needs: PlatformAdapterLookup (@app/intake), ShopDirectory
   * (@app/platforms) and ErpConnector (@app/erp). Leave empty when global modules provide them.
   */
  imports?: ModuleMetadata['imports'];
  /** extra providers, e.g. `{ provide: PlatformAdapterLookup, useExisting: PlatformAdapterRegistry }` */
  providers?: Provider[];
}

/**
 * Shipments back to the platforms: POST/GET /erp/shipments, GET /orders/:id/shipments, the ship-order
 * worker (queue QUEUE.SHIPMENTS) and a sweeper for pending shipments. Needs in the app: a TypeORM
 * DataSource, BullModule.forRoot, and the order_sync.orders table (migrations of OrderSyncFeatureModule).
 */
@Module({})
export class ShipmentsFeatureModule {
  static register(cfg: ShipmentsFeatureModuleOptions = {}): DynamicModule {
    const options: ShipmentsOptions = { ...DEFAULT_SHIPMENTS_OPTIONS, ...(cfg.options ?? {}) };
    return {
      module: ShipmentsFeatureModule,
      imports: [...(cfg.imports ?? []), BullModule.registerQueue({ name: QUEUE.SHIPMENTS, defaultJobOptions })],
      controllers: [ErpShipmentsController, OrderShipmentsController],
      providers: [
        ...(cfg.providers ?? []),
        { provide: SHIPMENTS_OPTIONS, useValue: options },
        ShipmentJobs,
        ShipmentIntakeService,
        ShipmentWritebackService,
        ShipOrderProcessor,
        ShipmentSweeper,
      ],
      exports: [ShipmentIntakeService, ShipmentWritebackService, ShipmentSweeper],
    };
  }
}
