import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { IntakeModule, type InboxWriterOptions } from '@app/intake';
import { registerQueues } from '@app/queue';
import { ErpDeliveryService } from './delivery/erp-delivery.service';
import { ErpInterceptProcessor } from './delivery/erp-intercept.processor';
import { ErpPushProcessor } from './delivery/erp-push.processor';
import { OutboxRepository } from './delivery/outbox.repository';
import { ErpOrdersController } from './erp-api/erp-orders.controller';
import { ErpOrdersService } from './erp-api/erp-orders.service';
import { OrderEventsProcessor } from './ingest/order-events.processor';
import { OrderIngestService } from './ingest/order-ingest.service';
import { InboxRepository } from './ingest/inbox.repository';
import { OpsController } from './ops/ops.controller';
import { ExceptionsController } from './exceptions/exceptions.controller';
import { ExceptionsRepository } from './exceptions/exceptions.repository';
import { ExceptionsService } from './exceptions/exceptions.service';
import { MerchantWorkService } from './ops/merchant-work.service';
import { QuotaUseService } from './ops/quota-use.service';
import { ThroughputService } from './ops/throughput.service';
import { BreakerStatesService } from './ops/breaker-states.service';
import { DEFAULT_ORDER_SYNC_OPTIONS, ORDER_SYNC_OPTIONS, type OrderSyncOptions } from './order-sync.options';
import { BuyerVault } from './orders/buyer-vault';
import { OrderUpsertRepository } from './orders/order-upsert.repository';
import { OrdersRepository } from './orders/orders.repository';
import { OrderPollProcessor } from './poll/order-poll.processor';
import { OrderPollService } from './poll/order-poll.service';
import { PollCadence } from './poll/poll-cadence';
import { PollCursorsRepository } from './poll/poll-cursors.repository';
import { PollMetrics } from './poll/poll.metrics';
import { PollSchedulerService } from './poll/poll-scheduler.service';
import { OrderJobs } from './shared/order-jobs';
import { OrderSyncMetrics } from './sla/order-sync.metrics';
import { DependencyOutages } from './sla/dependency-outages';
import { SlaAlertNotifier } from './sla/sla-alert.notifier';
import { SlaLedger } from './sla/sla-ledger.service';
import { SlaLedgerRepository } from './sla/sla-ledger.repository';
import { SlaReportService } from './sla/sla-report.service';
import { SlaWatcherService } from './sla/sla-watcher.service';
import { RetentionSettingsController, RetentionSettingsService } from './retention/retention-settings.controller';
import { RetentionSweeperService } from './retention/retention-sweeper.service';
import { CouponEventRelay, OrderEventRelays, StockEventRelay } from './order-events/order-event-relay';
import { CouponEventsRepository, StockEventsRepository } from './order-events/order-events.repository';
import { SweeperService } from './sweeper/sweeper.service';
import { TmcConsumerService } from './tmc/tmc-consumer.service';
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

/**
 * The order path: ingest (process-inbox), ERP delivery (push-order / intercept-order), SLA watcher,
 * sweeper, per-shop polling, Taobao TMC consumer, the ERP pull API (/erp/orders) and ops endpoints
 * (/ops/sla, /ops/outbox/retry), and the order trace (/orders/:id/trace, its own module). Needs in the app: a TypeORM DataSource (PersistenceModule.forRoot) and
 * BullModule.forRoot.
 */
@Module({})
export class OrderSyncFeatureModule {
  static register(cfg: OrderSyncFeatureModuleOptions = {}): DynamicModule {
    const options: OrderSyncOptions = { ...DEFAULT_ORDER_SYNC_OPTIONS, ...(cfg.options ?? {}) };
    return {
      module: OrderSyncFeatureModule,
      imports: [
        ...(cfg.imports ?? []),
        IntakeModule.register({ writer: cfg.inboxWriter, imports: cfg.imports }),
        // retries are BullMQ's (QUEUE_JOB_OPTIONS, libs/queue); dependency outages move jobs to delayed instead (settleJob).
        // {stock-events} / {coupon-events}: relayed from the order-event outboxes (StockEventRelay, CouponEventRelay),
        // processed by catalog-sync / apps/coupon; no worker here
        registerQueues([QUEUE.ORDER_EVENTS, QUEUE.ERP_PUSH, QUEUE.ERP_INTERCEPT, QUEUE.ORDER_POLL, QUEUE.STOCK_EVENTS, QUEUE.COUPON_EVENTS], { connection: 'root' }),
        OrderTraceModule,
      ],
      controllers: [ErpOrdersController, OpsController, ExceptionsController, RetentionSettingsController],
      providers: [
        ...(cfg.providers ?? []),
        { provide: ORDER_SYNC_OPTIONS, useValue: options },
        OrderJobs,
        BuyerVault,
        MerchantWorkService,
        QuotaUseService,
        ThroughputService,
        BreakerStatesService,
        OrderUpsertRepository,
        OrdersRepository,
        InboxRepository,
        OrderIngestService,
        StockEventsRepository,
        StockEventRelay,
        CouponEventsRepository,
        CouponEventRelay,
        OrderEventRelays,
        OrderEventsProcessor,
        OrderSyncMetrics,
        OutboxRepository,
        ErpDeliveryService,
        ErpPushProcessor,
        ErpInterceptProcessor,
        SlaAlertNotifier,
        DependencyOutages,
        SlaLedgerRepository,
        SlaLedger,
        SlaWatcherService,
        SlaReportService,
        SweeperService,
        RetentionSweeperService,
        RetentionSettingsService,
        OrderPollService,
        OrderPollProcessor,
        PollCadence,
        PollCursorsRepository,
        PollMetrics,
        PollSchedulerService,
        TmcConsumerService,
        ErpOrdersService,
        ExceptionsRepository,
        ExceptionsService,
      ],
      exports: [StockEventRelay, CouponEventRelay, OrderIngestService, ErpDeliveryService, SlaWatcherService, SlaLedger, DependencyOutages, SweeperService, RetentionSweeperService, OrderPollService, PollSchedulerService, OrderSyncMetrics],
    };
  }
}
