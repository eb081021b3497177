import { Injectable } from '@nestjs/common';
import { SlaLedgerRepository } from './sla-ledger.repository';

export interface SlaPlatformReport {
  platform: string;
  acked: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  p99Seconds: number | null;
  warnings: number;
  breaches: number;
  /** breaches by cause */
  breachCauses: Record<string, number>;
}

export interface SlaLateOrder {
  orderId: string;
  platform: string;
  platformOrderId: string;
  level: 'warning' | 'breach';
  cause: string;
  ageMs: number;
  at: string;
  /** 'waiting': seen late by the watcher; 'ack': decided at the ERP's acknowledgement */
  source: 'waiting' | 'ack';
  ackedAt: string | null;
}

export interface SlaReport {
  from: string;
  to: string;
  platforms: SlaPlatformReport[];
  late: SlaLateOrder[];
}

/**
 * Pay -> ack latency percentiles (from the orders acked) and the SLA ledger's warnings and breaches
 * (`order_sync.sla_events`, disproved ones left out) for orders whose clock started in [from, to).
 * The ledger rows carry their merchant, so a merchant's counts include orders it has no orders row for yet.
 */
@Injectable()
export class SlaReportService {
  constructor(private readonly repo: SlaLedgerRepository) {}

  /** `merchantId`: only that merchant's shops (null: every shop, for internal callers); `lateLimit`: late orders listed at most */
  async report(from: Date, to: Date, merchantId: string | null = null, lateLimit = 1000): Promise<SlaReport> {
    const [lat, ev, late] = await Promise.all([
      this.repo.latencies(from, to, merchantId),
      this.repo.eventCounts(from, to, merchantId),
      this.repo.lateOrders(from, to, merchantId, Math.max(0, Math.min(lateLimit, 1000))),
    ]);
    const platforms = new Map<string, SlaPlatformReport>();
    const get = (p: string): SlaPlatformReport => {
      let r = platforms.get(p);
      if (!r) {
        r = { platform: p, acked: 0, p50Seconds: null, p95Seconds: null, p99Seconds: null, warnings: 0, breaches: 0, breachCauses: {} };
        platforms.set(p, r);
      }
      return r;
    };
    for (const l of lat) Object.assign(get(l.platform), { acked: l.acked, p50Seconds: l.p50, p95Seconds: l.p95, p99Seconds: l.p99 });
    for (const e of ev) {
      const r = get(e.platform);
      if (e.level === 'warning') r.warnings += e.n;
      else {
        r.breaches += e.n;
        r.breachCauses[e.cause] = (r.breachCauses[e.cause] ?? 0) + e.n;
      }
    }
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      platforms: [...platforms.values()].sort((a, b) => a.platform.localeCompare(b.platform)),
      late: late.map((r) => ({
        orderId: r.order_id,
        platform: r.platform,
        platformOrderId: r.platform_order_id,
        level: r.level,
        cause: r.cause,
        ageMs: r.age_ms,
        at: r.at.toISOString(),
        source: r.source,
        ackedAt: r.erp_acked_at ? r.erp_acked_at.toISOString() : null,
      })),
    };
  }
}
