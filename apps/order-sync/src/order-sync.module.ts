import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { type InboxWriterOptions } from '@app/intake';
import { DeliveryModule } from './delivery/delivery.module';
import { ErpApiModule } from './erp-api/erp-api.module';
import { ExceptionsModule } from './exceptions/exceptions.module';
import { IngestModule } from './ingest/ingest.module';
import { OpsModule } from './ops/ops.module';
import { OrderEventsModule } from './order-events/order-events.module';
import { OrderSyncCoreModule } from './order-sync-core.module';
import { DEFAULT_ORDER_SYNC_OPTIONS, type OrderSyncOptions } from './order-sync.options';
import { OrdersModule } from './orders/orders.module';
import { PollModule } from './poll/poll.module';
import { RetentionModule } from './retention/retention.module';
import { SlaModule } from './sla/sla.module';
import { SweeperModule } from './sweeper/sweeper.module';
import { TmcModule } from './tmc/tmc.module';
import { OrderTraceModule } from './trace/order-trace.module';

export interface OrderSyncFeatureModuleOptions {
  /** partial options, merged over DEFAULT_ORDER_SYNC_OPTIONS */
  options?: Partial<OrderSyncOptions>;
  inboxWriter?: InboxWriterOptions;
  /**
   * Modules that export the ports this feature needs: ShopDirectory, PlatformAdapterLookup (both
   * @app/platforms / @app/intake ports), ErpConnector (@app/erp), SecretBox (@app/persistence, seals buyer
   * data) and optionally TmcSource. Leave empty when
   * they are provided by global modules.
   */
  imports?: ModuleMetadata['imports'];
  /** extra providers, e.g. `{ provide: ErpConnector, useExisting: JushuitanConnector }` */
  providers?: Provider[];
}

/** the folder modules, lower ones first (OrdersModule, SlaModule and OrderEventsModule import no other folder) */
const FOLDER_MODULES = [
  OrdersModule,
  SlaModule,
  OrderEventsModule,
  IngestModule,
  DeliveryModule,
  PollModule,
  SweeperModule,
  RetentionModule,
  TmcModule,
  ErpApiModule,
  OpsModule,
  ExceptionsModule,
  OrderTraceModule,
];

/**
 * The order path: ingest (process-inbox), ERP delivery (push-order / intercept-order), SLA watcher,
 * sweeper, per-shop polling, Taobao TMC consumer, the ERP pull API (/erp/orders) and ops endpoints
 * (/ops/sla, /ops/outbox/retry), and the order trace (/orders/:id/trace). The composition root
 * (docs/adr/0017): one module per folder, OrderSyncCoreModule with the options (whole and per-module
 * slices), the ports, the inbox writer and the queues. Needs in the app: a TypeORM DataSource
 * (PersistenceModule.forRoot) and BullModule.forRoot.
 */
@Module({})
export class OrderSyncFeatureModule {
  static register(cfg: OrderSyncFeatureModuleOptions = {}): DynamicModule {
    const options: OrderSyncOptions = { ...DEFAULT_ORDER_SYNC_OPTIONS, ...(cfg.options ?? {}) };
    return {
      module: OrderSyncFeatureModule,
      imports: [OrderSyncCoreModule.register({ options, inboxWriter: cfg.inboxWriter, imports: cfg.imports, providers: cfg.providers }), ...FOLDER_MODULES],
      // re-exported for the app: StockEventRelay, CouponEventRelay, OrderIngestService, ErpDeliveryService, SlaWatcherService,
      // SlaLedger, DependencyOutages, SweeperService, RetentionSweeperService, OrderPollService, PollSchedulerService,
      // OrderSyncMetrics (and what else these modules export)
      exports: [OrderEventsModule, IngestModule, DeliveryModule, SlaModule, SweeperModule, RetentionModule, PollModule],
    };
  }
}

