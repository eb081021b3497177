import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { QuotaUseService, type ShopQuotaUse } from './quota-use.service';

export interface WorkCounts {
  pending: number;
  failed: number;
  /** age of the oldest pending row, ms (null: none pending) */
  oldestPendingAgeMs: number | null;
}

export interface MerchantWork {
  at: string;
  /** platform messages not yet normalised into orders */
  inbox: WorkCounts;
  /** ERP deliveries (pushes and interceptions) */
  outbox: WorkCounts;
  /** shipments to write back to the platforms */
  shipments: WorkCounts;
  /**
   * each of the merchant's shops: platform calls per second the current order rate needs against its quota, per
   * order API, and the orders per second its quota can carry (QuotaUseService)
   */
  platformQuota: ShopQuotaUse[];
}

/**
 * A merchant's own queue and job state, from Postgres (the source of truth the jobs only point at; only pending
 * and failed rows are read; outbox and shipment rows carry their merchant). BullMQ
 * queues are shared by every merchant, so their raw counts are the operator's (the gateway's /operator/queues).
 */
@Injectable()
export class MerchantWorkService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly quota: QuotaUseService,
  ) {}

  async forMerchant(merchantId: string): Promise<MerchantWork> {
    const shops = `SELECT s.id FROM core.shops s WHERE s.merchant_id = $1::uuid`;
    const counts = `count(*) FILTER (WHERE x.status = 'pending')::int AS pending,
                    count(*) FILTER (WHERE x.status = 'failed')::int AS failed,
                    (EXTRACT(EPOCH FROM now() - min(x.created) FILTER (WHERE x.status = 'pending')) * 1000)::bigint AS oldest`;
    const [inbox, outbox, shipments, platformQuota] = await Promise.all([
      this.dataSource.query(
        `SELECT ${counts} FROM (
           SELECT i.status, i.received_at AS created FROM order_sync.inbox i
            WHERE i.status IN ('pending', 'failed') AND (i.shop_id IN (${shops})
               OR (i.shop_id IS NULL AND (i.platform, i.platform_shop_id) IN (SELECT s.platform, s.platform_shop_id FROM core.shops s WHERE s.merchant_id = $1::uuid)))
         ) x`,
        [merchantId],
      ),
      this.dataSource.query(
        `SELECT ${counts} FROM (
           SELECT b.status, b.created_at AS created FROM order_sync.outbox b
            WHERE b.status IN ('pending', 'failed') AND b.merchant_id = $1::uuid
         ) x`,
        [merchantId],
      ),
      this.dataSource.query(
        `SELECT ${counts} FROM (
           SELECT sh.status, sh.created_at AS created FROM order_sync.shipments sh
            WHERE sh.status IN ('pending', 'failed') AND sh.merchant_id = $1::uuid
         ) x`,
        [merchantId],
      ),
      this.quota.forMerchant(merchantId),
    ]);
    const view = (r: { pending: number; failed: number; oldest: string | null }): WorkCounts => ({
      pending: r.pending,
      failed: r.failed,
      oldestPendingAgeMs: r.oldest === null ? null : Math.max(0, Number(r.oldest)),
    });
    return {
      at: new Date().toISOString(),
      inbox: view(inbox[0]),
      outbox: view(outbox[0]),
      shipments: view(shipments[0]),
      platformQuota,
    };
  }
}
