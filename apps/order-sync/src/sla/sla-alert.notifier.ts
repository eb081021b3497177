import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AxiosInstance } from 'axios';
import { boundText } from '@app/contracts';
import { DEFAULT_WEBHOOK_MAX_RESPONSE_BYTES, OutboundPolicy, createOutboundAxios } from '@app/net';
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
 * The webhook follows the outbound URL policy (libs/net, purpose 'webhook': public addresses, checked on
 * connect, no redirects, bounded answer and total time); without the app's policy, the strict default.
 */
@Injectable()
export class SlaAlertNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SlaAlertNotifier.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly http: AxiosInstance;

  constructor(
    @Inject(ORDER_SYNC_OPTIONS) private readonly opts: OrderSyncOptions,
    @Optional() @Inject(OutboundPolicy) policy: OutboundPolicy | null,
    @Optional() private readonly shops?: ShopDirectory,
  ) {
    this.http = createOutboundAxios({
      policy: policy ?? new OutboundPolicy(),
      purpose: 'webhook',
      timeoutMs: opts.alertTimeoutMs,
      maxResponseBytes: DEFAULT_WEBHOOK_MAX_RESPONSE_BYTES,
    });
  }

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
    const p = this.http
      .post(url, body)
      .then(() => undefined)
      .catch((e: unknown) => this.logger.warn(`SLA alert webhook failed (${what}): ${boundText(e instanceof Error ? e.message : String(e))}`))
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
