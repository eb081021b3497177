import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { MetricsController } from './metrics.controller';
import { appMetrics, metricsRegistry } from './registry';

/** The metric set as an injectable (same instances as `appMetrics()`). */
export const APP_METRICS = 'APP_METRICS';

/** GET /metrics (Prometheus text format) + injectable `Registry` and `APP_METRICS`. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    { provide: Registry, useValue: metricsRegistry },
    { provide: APP_METRICS, useFactory: appMetrics },
  ],
  exports: [Registry, APP_METRICS],
})
export class MetricsModule {}
