import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, register as defaultRegistry, type Registry } from 'prom-client';
import { ORDER_SYNC_METRICS_REGISTRY } from '../sla/order-sync.metrics';

/** Poll metrics, on the order-sync registry (the default one unless a Registry is injected). */
@Injectable()
export class PollMetrics {
  /** rising while pushes are lost: the poller, not a push, brought these orders */
  readonly foundByPoll: Counter<'platform'>;

  constructor(@Optional() @Inject(ORDER_SYNC_METRICS_REGISTRY) registry?: Registry | null) {
    const reg = registry ?? defaultRegistry;
    this.foundByPoll =
      (reg.getSingleMetric('orders_found_by_poll_total') as Counter<'platform'> | undefined) ??
      new Counter({
        name: 'orders_found_by_poll_total',
        help: 'Orders whose paid state reached us by a poll while no push for it had arrived (lost pushes)',
        labelNames: ['platform'],
        registers: [reg],
      });
  }
}
