// Import as '@app/erp/erp.module': @nestjs/common 12 is ESM-only, so the '@app/erp' barrel stays Nest-free.
import { type DynamicModule, type FactoryProvider, Module } from '@nestjs/common';
import { BreakerRegistry } from '@app/resilience';
import { ErpConnector } from './erp-connector.port';
import { createErpConnector } from './erp-connector.factory';
import { erpBreakerOptions, type ErpConnectorOptions } from './erp-options';

export const ERP_OPTIONS = Symbol('ERP_OPTIONS');
/**
 * The default connector's BreakerRegistry: its own, tuned for the ERP (DEFAULT_ERP_BREAKER, the connector's
 * longest call limit), never the app's shared platform registry, whose timeout and thresholds are the
 * platforms'. Exported for the breaker-state metric and logs.
 */
export const ERP_BREAKERS = Symbol('ERP_BREAKERS');

const breakersProvider: FactoryProvider = {
  provide: ERP_BREAKERS,
  useFactory: (o: ErpConnectorOptions) => new BreakerRegistry(erpBreakerOptions(o)),
  inject: [ERP_OPTIONS],
};

const connectorProvider: FactoryProvider = {
  provide: ErpConnector,
  useFactory: (o: ErpConnectorOptions, breakers: BreakerRegistry) => createErpConnector(o, breakers),
  inject: [ERP_OPTIONS, ERP_BREAKERS],
};

/** Provides `ErpConnector` (the port is the DI token) and its breakers (ERP_BREAKERS, shut down on module destroy). */
@Module({})
export class ErpModule {
  static forRoot(options: ErpConnectorOptions): DynamicModule {
    return {
      module: ErpModule,
      providers: [{ provide: ERP_OPTIONS, useValue: options }, breakersProvider, connectorProvider],
      exports: [ErpConnector, ERP_BREAKERS],
    };
  }

  /** Options resolved at boot, e.g. from ConfigService. */
  static forRootAsync(opts: {
    imports?: DynamicModule['imports'];
    inject?: FactoryProvider['inject'];
    useFactory: (...args: any[]) => ErpConnectorOptions | Promise<ErpConnectorOptions>;
  }): DynamicModule {
    return {
      module: ErpModule,
      imports: opts.imports ?? [],
      providers: [{ provide: ERP_OPTIONS, useFactory: opts.useFactory, inject: opts.inject ?? [] }, breakersProvider, connectorProvider],
      exports: [ErpConnector, ERP_BREAKERS],
    };
  }
}
