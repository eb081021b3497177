// Import as '@app/erp/erp.module': @nestjs/common 12 is ESM-only, so the '@app/erp' barrel stays Nest-free.
import { type DynamicModule, type FactoryProvider, Module } from '@nestjs/common';
import { BreakerRegistry } from '@app/resilience';
import { ErpConnector } from './erp-connector.port';
import { createErpConnector } from './erp-connector.factory';
import type { ErpConnectorOptions } from './erp-options';

export const ERP_OPTIONS = Symbol('ERP_OPTIONS');

const connectorProvider: FactoryProvider = {
  provide: ErpConnector,
  useFactory: (o: ErpConnectorOptions, breakers: BreakerRegistry | undefined) => createErpConnector(o, breakers ?? undefined),
  // the global ResilienceModule's registry when the app has one; otherwise the connector builds its own
  inject: [ERP_OPTIONS, { token: BreakerRegistry, optional: true }],
};

/** Provides `ErpConnector` (the port is the DI token). An owned breaker is shut down on module destroy. */
@Module({})
export class ErpModule {
  static forRoot(options: ErpConnectorOptions): DynamicModule {
    return {
      module: ErpModule,
      providers: [{ provide: ERP_OPTIONS, useValue: options }, connectorProvider],
      exports: [ErpConnector],
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
      providers: [{ provide: ERP_OPTIONS, useFactory: opts.useFactory, inject: opts.inject ?? [] }, connectorProvider],
      exports: [ErpConnector],
    };
  }
}
