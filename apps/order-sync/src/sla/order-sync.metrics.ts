import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, Histogram, register as defaultRegistry, type Registry } from 'prom-client';

export const ORDER_SYNC_METRICS_REGISTRY = Symbol('ORDER_SYNC_METRICS_REGISTRY');

/** SLA metrics. Registered once per registry (the default one unless a Registry is injected). */
@Injectable()
export class OrderSyncMetrics {
  readonly slaEvents: Counter<'platform' | 'level' | 'cause'>;
  readonly payToAck: Histogram<'platform'>;

  constructor(@Optional() @Inject(ORDER_SYNC_METRICS_REGISTRY) registry?: Registry | null) {
    const reg = registry ?? defaultRegistry;
    this.slaEvents =
      (reg.getSingleMetric('sla_events_total') as Counter<'platform' | 'level' | 'cause'> | undefined) ??
      new Counter({
        name: 'sla_events_total',
        help: 'SLA ledger events: orders past the warning / breach mark of pay -> ERP ack (seen waiting, or decided at the ack)',
        labelNames: ['platform', 'level', 'cause'],
        registers: [reg],
      });
    this.payToAck =
      (reg.getSingleMetric('order_pay_to_erp_ack_seconds') as Histogram<'platform'> | undefined) ??
      new Histogram({
        name: 'order_pay_to_erp_ack_seconds',
        help: 'Time from payment (creation for COD) to the ERP acknowledging the order',
        labelNames: ['platform'],
        buckets: [0.5, 1, 2, 5, 10, 15, 20, 25, 30, 45, 60, 120, 300],
        registers: [reg],
      });
  }

  observeAck(platform: string, seconds: number): void {
    this.payToAck.observe({ platform }, Math.max(seconds, 0));
  }
}
