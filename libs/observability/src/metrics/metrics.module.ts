import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { appMetrics } from './catalogue';
import { METRICS_SERVER_OPTIONS, MetricsServer, type MetricsServerOptions } from './metrics-server';
import { metricsRegistry } from './registry';

/** The metric set as an injectable (same instances as `appMetrics()`). */
export const APP_METRICS = 'APP_METRICS';

const providers = [
  { provide: Registry, useValue: metricsRegistry },
  { provide: APP_METRICS, useFactory: appMetrics },
];

/**
 * Injectable `Registry` (the process registry, `metricsRegistry`) and `APP_METRICS`; `forRoot({ port, host })`
 * also serves GET /metrics on its own listener (MetricsServer, METRICS_PORT), off the public API port.
 */
@Global()
@Module({ providers, exports: [Registry, APP_METRICS] })
export class MetricsModule {
  static forRoot(opts: MetricsServerOptions): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      providers: [...providers, { provide: METRICS_SERVER_OPTIONS, useValue: opts }, MetricsServer],
      exports: [Registry, APP_METRICS, MetricsServer],
    };
  }
}
