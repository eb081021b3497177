import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

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
  constructor(private readonly dataSource: DataSource) {}

  /** `merchantId`: only that merchant's shops (null: every shop, for internal callers); `lateLimit`: late orders listed at most */
  async report(from: Date, to: Date, merchantId: string | null = null, lateLimit = 1000): Promise<SlaReport> {
    const ledger = `e.sla_started_at >= $1 AND e.sla_started_at < $2 AND e.disproved_at IS NULL AND ($3::uuid IS NULL OR e.merchant_id = $3::uuid)`;
    const [lat, ev, late] = await Promise.all([
      this.dataSource.query(
        `SELECT platform, count(*)::int AS acked,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY s) AS p95,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY s) AS p99
           FROM (SELECT platform, EXTRACT(EPOCH FROM erp_acked_at - sla_started_at)::float8 AS s
                   FROM order_sync.orders
                  WHERE sla_started_at >= $1 AND sla_started_at < $2 AND erp_acked_at IS NOT NULL
                    AND ($3::uuid IS NULL OR shop_id IN (SELECT s.id FROM core.shops s WHERE s.merchant_id = $3::uuid))) t
          GROUP BY platform`,
        [from, to, merchantId],
      ) as Promise<{ platform: string; acked: number; p50: number | null; p95: number | null; p99: number | null }[]>,
      this.dataSource.query(
        `SELECT e.platform, e.level, e.cause, count(*)::int AS n FROM order_sync.sla_events e WHERE ${ledger} GROUP BY e.platform, e.level, e.cause`,
        [from, to, merchantId],
      ) as Promise<{ platform: string; level: 'warning' | 'breach'; cause: string; n: number }[]>,
      this.dataSource.query(
        `SELECT DISTINCT ON (e.order_id) e.order_id, e.platform, e.platform_order_id, e.level, e.cause, e.age_ms, e.at, e.source, o.erp_acked_at
           FROM order_sync.sla_events e LEFT JOIN order_sync.orders o ON o.id = e.order_id
          WHERE ${ledger}
          ORDER BY e.order_id, (e.level = 'breach') DESC
          LIMIT $4`,
        [from, to, merchantId, Math.max(0, Math.min(lateLimit, 1000))],
      ) as Promise<
        { order_id: string; platform: string; platform_order_id: string; level: 'warning' | 'breach'; cause: string; age_ms: number; at: Date; source: 'waiting' | 'ack'; erp_acked_at: Date | null }[]
      >,
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
