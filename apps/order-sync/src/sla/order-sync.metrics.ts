import { Injectable } from '@nestjs/common';
import { appMetrics, merchantLabel, type AppMetrics } from '@app/observability';

/** order-sync's order and SLA series, on the process registry (libs/observability's catalogue). */
@Injectable()
export class OrderSyncMetrics {
  private readonly m: AppMetrics = appMetrics();

  get slaEvents(): AppMetrics['slaEvents'] {
    return this.m.slaEvents;
  }

  sla(e: { platform: string; merchantId?: string | null; level: string; cause: string }): void {
    this.m.slaEvents.inc({ platform: e.platform, merchant: merchantLabel(e.merchantId), level: e.level, cause: e.cause });
  }

  /** an order's first ERP ack: delivered, and its pay -> ack time */
  acked(a: { platform: string; merchant_id: string | null; latency_s: number | null }): void {
    this.m.ordersDelivered.inc({ platform: a.platform, merchant: merchantLabel(a.merchant_id) });
    if (a.latency_s !== null) this.m.payToAck.observe({ platform: a.platform }, Math.max(a.latency_s, 0));
  }

  /** ERP deliveries failed for good (the ERP refused them) */
  erpRejected(rows: { merchant_id: string | null }[]): void {
    for (const r of rows) this.m.erpRejections.inc({ merchant: merchantLabel(r.merchant_id) });
  }

  /** order versions stored with an ERP delivery (outbox rows written) */
  normalised(rows: { platform?: string; merchantId?: string | null }[]): void {
    for (const r of rows) if (r.platform) this.m.ordersNormalised.inc({ platform: r.platform, merchant: merchantLabel(r.merchantId) });
  }
}
