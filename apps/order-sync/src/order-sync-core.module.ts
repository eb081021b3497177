import { Module, type DynamicModule, type ModuleMetadata, type Provider, type Type } from '@nestjs/common';
import { QUEUE } from '@app/contracts';
import { IntakeModule, type InboxWriterOptions } from '@app/intake';
import { registerQueues } from '@app/queue';
import { DELIVERY_OPTIONS, DELIVERY_OPTIONS_KEYS } from './delivery/delivery.options';
import { INGEST_OPTIONS, INGEST_OPTIONS_KEYS } from './ingest/ingest.options';
import { OPS_OPTIONS, OPS_OPTIONS_KEYS } from './ops/ops.options';
import { ORDER_EVENTS_OPTIONS, ORDER_EVENTS_OPTIONS_KEYS } from './order-events/order-events.options';
import { ORDER_SYNC_OPTIONS, pickOptions, type OrderSyncOptions } from './order-sync.options';
import { POLL_OPTIONS, POLL_OPTIONS_KEYS } from './poll/poll.options';
import { RETENTION_MODULE_OPTIONS, RETENTION_MODULE_OPTIONS_KEYS } from './retention/retention.options';
import { OrderJobs } from './shared/order-jobs';
import { SLA_OPTIONS, SLA_OPTIONS_KEYS } from './sla/sla.options';
import { SWEEPER_OPTIONS, SWEEPER_OPTIONS_KEYS } from './sweeper/sweeper.options';
import { TMC_OPTIONS, TMC_OPTIONS_KEYS } from './tmc/tmc.options';

export interface OrderSyncCoreOptions {
  /** the assembled options (DEFAULT_ORDER_SYNC_OPTIONS merged with the app's) */
  options: OrderSyncOptions;
  inboxWriter?: InboxWriterOptions;
  /** modules exporting the external ports (ShopDirectory, PlatformAdapterLookup, ErpConnector, SecretBox, TmcSource) */
  imports?: ModuleMetadata['imports'];
  /** extra providers for the ports, e.g. `{ provide: TmcSource, useClass: TaobaoTmcSource }` */
  providers?: Provider[];
}

/** each module's slice token and the keys it is copied from ORDER_SYNC_OPTIONS with */
const SLICES: ReadonlyArray<readonly [symbol, readonly (keyof OrderSyncOptions)[]]> = [
  [INGEST_OPTIONS, INGEST_OPTIONS_KEYS],
  [DELIVERY_OPTIONS, DELIVERY_OPTIONS_KEYS],
  [POLL_OPTIONS, POLL_OPTIONS_KEYS],
  [SLA_OPTIONS, SLA_OPTIONS_KEYS],
  [SWEEPER_OPTIONS, SWEEPER_OPTIONS_KEYS],
  [RETENTION_MODULE_OPTIONS, RETENTION_MODULE_OPTIONS_KEYS],
  [ORDER_EVENTS_OPTIONS, ORDER_EVENTS_OPTIONS_KEYS],
  [OPS_OPTIONS, OPS_OPTIONS_KEYS],
  [TMC_OPTIONS, TMC_OPTIONS_KEYS],
];

const providerToken = (p: Provider): unknown => (typeof p === 'function' ? p : p.provide);
const isReexportable = (m: NonNullable<ModuleMetadata['imports']>[number]): m is Type | DynamicModule =>
  !(m instanceof Promise) && !('forwardRef' in (m as object));

/**
 * The external ports of one register call: cfg.imports (re-exported) and cfg.providers. Not global, and
 * imported by OrderSyncCoreModule only, so it sits below the folder modules that use it: Nest destroys
 * modules shallow to deep, the TMC consumer stops before its TmcSource closes (as within the one module of
 * before, where the consumer depended on the source).
 */
@Module({})
export class OrderSyncPortsModule {
  static register(imports: NonNullable<ModuleMetadata['imports']>, providers: Provider[]): DynamicModule {
    return {
      module: OrderSyncPortsModule,
      imports,
      providers,
      exports: [...imports.filter(isReexportable), ...providers.map(providerToken)] as NonNullable<ModuleMetadata['exports']>,
    };
  }
}

/**
 * What every order-sync module shares, per OrderSyncFeatureModule.register call: the options (whole and
 * sliced), the external ports (OrderSyncPortsModule), the inbox writer (IntakeModule),
 * the order path's queues (one registration, so one Queue per name) and OrderJobs. Global within the app,
 * so the folder modules stay static classes that import only each other.
 */
@Module({})
export class OrderSyncCoreModule {
  static register(cfg: OrderSyncCoreOptions): DynamicModule {
    const ports = OrderSyncPortsModule.register(cfg.imports ?? [], cfg.providers ?? []);
    const intake = IntakeModule.register({ writer: cfg.inboxWriter, imports: cfg.imports });
    // retries are BullMQ's (QUEUE_JOB_OPTIONS, libs/queue); dependency outages move jobs to delayed instead (settleJob).
    // {stock-events} / {coupon-events}: relayed from the order-event outboxes (StockEventRelay, CouponEventRelay),
    // processed by catalog-sync / apps/coupon; no worker here
    const queues = registerQueues([QUEUE.ORDER_EVENTS, QUEUE.ERP_PUSH, QUEUE.ERP_INTERCEPT, QUEUE.ORDER_POLL, QUEUE.STOCK_EVENTS, QUEUE.COUPON_EVENTS], { connection: 'root' });
    const slices: Provider[] = SLICES.map(([token, keys]) => ({ provide: token, useFactory: (o: OrderSyncOptions) => pickOptions(o, keys), inject: [ORDER_SYNC_OPTIONS] }));
    return {
      module: OrderSyncCoreModule,
      global: true,
      imports: [ports, intake, queues],
      providers: [{ provide: ORDER_SYNC_OPTIONS, useValue: cfg.options }, ...slices, OrderJobs],
      exports: [ports, intake, queues, ORDER_SYNC_OPTIONS, ...SLICES.map(([token]) => token), OrderJobs],
    };
  }
}

