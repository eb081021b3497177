import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** a stored order's update time and whether the ERP has acknowledged it */
export interface StoredOrderVersion {
  shop_id: string;
  platform_order_id: string;
  platform_updated_at: Date;
  acked: boolean;
}

/**
 * Statements on `order_sync.orders` outside the write path (OrderUpsertRepository owns the upsert and its
 * transaction's reads).
 */
@Injectable()
export class OrdersRepository {
  constructor(private readonly ds: DataSource) {}

  /** the stored version of each (shop, platform order id) pair that exists: one statement, by the table's unique key */
  async storedVersions(shopIds: string[], platformOrderIds: string[]): Promise<StoredOrderVersion[]> {
    return this.ds.query(
      `SELECT shop_id, platform_order_id, platform_updated_at, erp_acked_at IS NOT NULL AS acked FROM order_sync.orders
        WHERE (shop_id, platform_order_id) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))`,
      [shopIds, platformOrderIds],
    );
  }
}
