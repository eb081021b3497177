import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { registerQueues } from '@app/queue';
import { ErpShipmentsController, OrderShipmentsController } from './erp-shipments.controller';
import { ShipOrderProcessor } from './ship-order.processor';
import { ShipmentIntakeService } from './shipment-intake.service';
import { ShipmentJobs } from './shipment-jobs';
import { ShipmentSweeper } from './shipment-sweeper.service';
import { ShipmentWritebackService } from './shipment-writeback.service';
import { ShipmentsRepository } from './shipments.repository';
import { DEFAULT_SHIPMENTS_OPTIONS, SHIPMENTS_OPTIONS, type ShipmentsOptions } from './shipments.options';

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
      // retries are BullMQ's (QUEUE_JOB_OPTIONS); throttling and outages move the job to delayed instead (settleJob)
      imports: [...(cfg.imports ?? []), registerQueues([QUEUE.SHIPMENTS], { connection: 'root' })],
      controllers: [ErpShipmentsController, OrderShipmentsController],
      providers: [
        ...(cfg.providers ?? []),
        { provide: SHIPMENTS_OPTIONS, useValue: options },
        ShipmentJobs,
        ShipmentsRepository,
        ShipmentIntakeService,
        ShipmentWritebackService,
        ShipOrderProcessor,
        ShipmentSweeper,
      ],
      exports: [ShipmentIntakeService, ShipmentWritebackService, ShipmentSweeper],
    };
  }
}
