import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import axios from 'axios';
import { ORDER_SYNC_OPTIONS, type OrderSyncOptions } from '../order-sync.options';

export interface SlaAlert {
  orderId: string;
  platform: string;
  platformOrderId: string;
  level: 'warning' | 'breach';
  cause: string;
  ageMs: number;
  at: string;
}

/** POSTs SLA alerts to ALERT_WEBHOOK_URL when configured. Never blocks the caller; failures are logged. */
@Injectable()
export class SlaAlertNotifier implements OnModuleDestroy {
  private readonly logger = new Logger(SlaAlertNotifier.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(@Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions) {}

  notify(alerts: SlaAlert[]): void {
    const url = this.opts.alertWebhookUrl;
    if (!url || alerts.length === 0) return;
    const p = axios
      .post(url, { source: 'order-sync', kind: 'order_sla', alerts }, { timeout: this.opts.alertTimeoutMs })
      .then(() => undefined)
      .catch((e: unknown) => this.logger.warn(`SLA alert webhook failed (${alerts.length} alerts): ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }
}
