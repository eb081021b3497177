import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** one bucket (bucketSeconds long) of one platform: paid orders (by pay time) and pay -> ERP-ack latency of the orders acked in it */
export interface ThroughputBucket {
  /** the bucket's start, ISO-8601 */
  t: string;
  /** orders whose SLA clock (pay time; creation for COD) started in this bucket */
  orders: number;
  /** orders the ERP acknowledged in this bucket */
  acked: number;
  /** pay -> ack of the orders acked in this bucket, ms (null: none acked) */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface PlatformThroughput {
  platform: string;
  /** one per bucket of the window, oldest first, zeros included (the last one is the bucket in progress) */
  buckets: ThroughputBucket[];
  /** over the whole window */
  total: { orders: number; acked: number; p50Ms: number | null; p99Ms: number | null };
}

export interface Throughput {
  at: string;
  from: string;
  minutes: number;
  bucketSeconds: number;
  platforms: PlatformThroughput[];
}

const MINUTE = 60_000;
/** the bucket lengths a caller may ask for: at most 360 buckets (60 minutes of 10 s) per platform */
export const BUCKET_SECONDS = [10, 15, 30, 60, 300] as const;
/** pay -> ack percentiles in ms (percentile_cont over the epoch seconds, exact like GET /ops/sla's) */
const LATENCY = `(percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM o.erp_acked_at - o.sla_started_at)) * 1000)::float8 AS p50,
                (percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM o.erp_acked_at - o.sla_started_at)) * 1000)::float8 AS p99`;

/**
 * Per platform orders per minute and pay -> ERP-ack p50/p99 over the last N minutes (the ops page's live charts),
 * from `order_sync.orders` of the merchant's shops. Two grouped reads over indexed ranges
 * (`idx_orders_shop_id_sla_started_at`, `idx_orders_shop_id_erp_acked_at`): at most 60 minutes, so at a live
 * stream's peak (60 orders/s) a read covers at most ~216k index entries and returns at most 360 rows per platform
 * (buckets of 10 s to 5 min; 60 s by default).
 */
@Injectable()
export class ThroughputService {
  constructor(private readonly dataSource: DataSource) {}

  async forMerchant(merchantId: string, minutes: number, bucketSeconds = 60, now = new Date()): Promise<Throughput> {
    // whole buckets: the window ends with the bucket in progress and holds the whole minutes asked for
    const step = bucketSeconds * 1000;
    const count = Math.max(1, Math.ceil((minutes * MINUTE) / step));
    const from = new Date(Math.floor(now.getTime() / step) * step - (count - 1) * step);
    const bucket = (col: string) => `to_timestamp(floor(EXTRACT(EPOCH FROM ${col}) / $4) * $4)`;
    const shops = `SELECT s.id FROM core.shops s WHERE s.merchant_id = $1::uuid`;
    const [paid, acked, totals] = await Promise.all([
      this.dataSource.query(
        `SELECT o.platform, ${bucket('o.sla_started_at')} AS t, count(*)::int AS n
           FROM order_sync.orders o
          WHERE o.shop_id IN (${shops}) AND o.sla_started_at >= $2 AND o.sla_started_at <= $3
          GROUP BY 1, 2`,
        [merchantId, from, now, bucketSeconds],
      ) as Promise<{ platform: string; t: Date; n: number }[]>,
      this.dataSource.query(
        `SELECT o.platform, ${bucket('o.erp_acked_at')} AS t, count(*)::int AS n,
                ${LATENCY}
           FROM order_sync.orders o
          WHERE o.shop_id IN (${shops}) AND o.erp_acked_at >= $2 AND o.erp_acked_at <= $3 AND o.sla_started_at IS NOT NULL
          GROUP BY 1, 2`,
        [merchantId, from, now, bucketSeconds],
      ) as Promise<{ platform: string; t: Date; n: number; p50: number | null; p99: number | null }[]>,
      this.dataSource.query(
        `SELECT o.platform, count(*)::int AS n,
                ${LATENCY}
           FROM order_sync.orders o
          WHERE o.shop_id IN (${shops}) AND o.erp_acked_at >= $2 AND o.erp_acked_at <= $3 AND o.sla_started_at IS NOT NULL
          GROUP BY 1`,
        [merchantId, from, now],
      ) as Promise<{ platform: string; n: number; p50: number | null; p99: number | null }[]>,
    ]);

    const platforms = new Map<string, PlatformThroughput>();
    const get = (platform: string): PlatformThroughput => {
      let p = platforms.get(platform);
      if (!p) {
        const buckets = Array.from({ length: count }, (_v, i) => ({ t: new Date(from.getTime() + i * step).toISOString(), orders: 0, acked: 0, p50Ms: null, p99Ms: null }));
        p = { platform, buckets, total: { orders: 0, acked: 0, p50Ms: null, p99Ms: null } };
        platforms.set(platform, p);
      }
      return p;
    };
    const index = (t: Date): number => Math.round((t.getTime() - from.getTime()) / step);
    for (const r of paid) {
      const p = get(r.platform);
      const b = p.buckets[index(r.t)];
      if (b) b.orders = r.n;
      p.total.orders += r.n;
    }
    for (const r of acked) {
      const b = get(r.platform).buckets[index(r.t)];
      if (!b) continue;
      b.acked = r.n;
      b.p50Ms = round(r.p50);
      b.p99Ms = round(r.p99);
    }
    for (const r of totals) Object.assign(get(r.platform).total, { acked: r.n, p50Ms: round(r.p50), p99Ms: round(r.p99) });
    return { at: now.toISOString(), from: from.toISOString(), minutes, bucketSeconds, platforms: [...platforms.values()].sort((a, b) => a.platform.localeCompare(b.platform)) };
  }
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms);
}
