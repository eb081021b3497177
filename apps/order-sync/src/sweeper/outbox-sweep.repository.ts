import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DeliveryKind } from '../orders/order-transitions';

/** a pending outbox row the sweeper found stale */
export interface StaleOutboxRow {
  id: string;
  kind: DeliveryKind;
  merchant_id: string | null;
}

/**
 * The sweeper's statement on `order_sync.outbox`. Kept apart from the delivery's statements on that table only
 * because both were moved out of their services at the same time; it belongs with the outbox's repository
 * (delivery/) once that exists.
 */
@Injectable()
export class OutboxSweepRepository {
  constructor(private readonly ds: DataSource) {}

  /** pending rows created and due more than `staleSec` ago, oldest id first, at most `limit` */
  async stalePending(staleSec: number, limit: number): Promise<StaleOutboxRow[]> {
    return this.ds.query(
      `SELECT id::text AS id, kind, merchant_id FROM order_sync.outbox
        WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
          AND next_attempt_at < now() - make_interval(secs => $1)
        ORDER BY id LIMIT $2`,
      [staleSec, limit],
    );
  }
}
