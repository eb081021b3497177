import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AxiosInstance } from 'axios';
import { boundText } from '@app/contracts';
import { DEFAULT_WEBHOOK_MAX_RESPONSE_BYTES, OutboundPolicy, createOutboundAxios } from '@app/net';
import { ShopDirectory, type NeedsReauthEvent } from '@app/platforms';
import { SLA_OPTIONS, type SlaOptions } from './sla.options';

export interface SlaAlert {
  orderId: string;
  platform: string;
  platformOrderId: string;
  /** whose order (null: a shop unknown to omnisync) */
  merchantId?: string | null;
  shopId?: string | null;
  level: 'warning' | 'breach';
  cause: string;
  /** pay -> now while it waits, pay -> ack when decided at the ack */
  ageMs: number;
  at: string;
  /** 'waiting': seen late by the watcher; 'ack': decided when the ERP acknowledged it */
  source?: 'waiting' | 'ack';
}

/**
 * POSTs SLA alerts to ALERT_WEBHOOK_URL when configured, and (same path, kind 'shop_needs_reauth') every shop
 * this process marks needs_reauth. Never blocks the caller; failures are logged (SLA alerts are sent again by
 * the ledger until the webhook takes them).
 * The webhook follows the outbound URL policy (libs/net, purpose 'webhook': public addresses, checked on
 * connect, no redirects, bounded answer and total time); without the app's policy, the strict default.
 */
@Injectable()
export class SlaAlertNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SlaAlertNotifier.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly http: AxiosInstance;

  constructor(
    @Inject(SLA_OPTIONS) private readonly opts: SlaOptions,
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

  /** a webhook is configured: alerts are posted (and the ledger marks them sent) */
  get enabled(): boolean {
    return Boolean(this.opts.alertWebhookUrl);
  }

  notify(alerts: SlaAlert[]): void {
    void this.send(alerts);
  }

  /** posts the alerts; resolves true once the webhook took them (false: no webhook, or it failed, logged) */
  send(alerts: SlaAlert[]): Promise<boolean> {
    if (alerts.length === 0) return Promise.resolve(true);
    return this.post({ source: 'order-sync', kind: 'order_sla', alerts }, `${alerts.length} alerts`);
  }

  notifyShopNeedsReauth(e: NeedsReauthEvent): void {
    void this.post({ source: 'order-sync', kind: 'shop_needs_reauth', shops: [e] }, `shop ${e.shopId} needs_reauth`);
  }

  private post(body: unknown, what: string): Promise<boolean> {
    const url = this.opts.alertWebhookUrl;
    if (!url) return Promise.resolve(false);
    const p = this.http
      .post(url, body)
      .then(() => true)
      .catch((e: unknown) => {
        this.logger.warn(`SLA alert webhook failed (${what}): ${boundText(e instanceof Error ? e.message : String(e))}`);
        return false;
      });
    const tracked = p.then(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return p;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }
}
