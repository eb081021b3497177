import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import axios from 'axios';
import { ShopDirectory, type NeedsReauthEvent } from '@app/platforms';
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

/**
 * POSTs SLA alerts to ALERT_WEBHOOK_URL when configured, and (same path, kind 'shop_needs_reauth') every shop
 * this process marks needs_reauth. Never blocks the caller; failures are logged.
 */
@Injectable()
export class SlaAlertNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SlaAlertNotifier.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
    @Optional() private readonly shops?: ShopDirectory,
  ) {}

  onModuleInit(): void {
    this.shops?.onNeedsReauth((e) => this.notifyShopNeedsReauth(e));
  }

  notify(alerts: SlaAlert[]): void {
    if (alerts.length === 0) return;
    this.post({ source: 'order-sync', kind: 'order_sla', alerts }, `${alerts.length} alerts`);
  }

  notifyShopNeedsReauth(e: NeedsReauthEvent): void {
    this.post({ source: 'order-sync', kind: 'shop_needs_reauth', shops: [e] }, `shop ${e.shopId} needs_reauth`);
  }

  private post(body: unknown, what: string): void {
    const url = this.opts.alertWebhookUrl;
    if (!url) return;
    const p = axios
      .post(url, body, { timeout: this.opts.alertTimeoutMs })
      .then(() => undefined)
      .catch((e: unknown) => this.logger.warn(`SLA alert webhook failed (${what}): ${e instanceof Error ? e.message : String(e)}`))
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
