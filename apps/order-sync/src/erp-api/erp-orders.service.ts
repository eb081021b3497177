import { Injectable } from '@nestjs/common';
import type { CanonicalOrder } from '@app/contracts';
import { BuyerVault } from '../orders/buyer-vault';
import { rowToCanonical } from '../orders/order-row';
import { OrdersRepository } from '../orders/orders.repository';
import { OrderSyncMetrics } from '../sla/order-sync.metrics';
import { SlaLedger } from '../sla/sla-ledger.service';

export interface ErpOrderView {
  orderId: string;
  version: number;
  cursor: string;
  order: CanonicalOrder;
  erpOrderId: string | null;
  erpAckedAt: string | null;
}

export interface ErpOrderPage {
  orders: ErpOrderView[];
  nextCursor: string;
}

function parseCursor(cursor: string | undefined): [string, string] {
  if (!cursor) return ['0', '0'];
  const [xid, seq] = cursor.split('-');
  return [xid, seq];
}

/**
 * The ERP's pull side: orders in change order. A change is (writing transaction id, change sequence); pages
 * only cover transactions older than every running one, so the order of what is returned never changes.
 */
@Injectable()
export class ErpOrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly metrics: OrderSyncMetrics,
    private readonly vault: BuyerVault,
    private readonly ledger: SlaLedger,
  ) {}

  /** `merchantId`: only that merchant's shops (the gateway always passes the caller's merchant) */
  async list(merchantId: string, cursor: string | undefined, limit: number): Promise<ErpOrderPage> {
    const [xid, seq] = parseCursor(cursor);
    const rows = await this.orders.erpPage(merchantId, xid, seq, limit);
    return {
      orders: rows.map((r) => ({
        orderId: r.id,
        version: r.version,
        cursor: r.cursor,
        // the ERP pull API is one of the two places buyer data is opened (the other: delivery)
        order: rowToCanonical(r, this.vault.open(r.id, r.buyer_enc)),
        erpOrderId: r.erp_order_id,
        erpAckedAt: r.erp_acked_at ? r.erp_acked_at.toISOString() : null,
      })),
      nextCursor: rows.length > 0 ? rows[rows.length - 1].cursor : (cursor ?? '0-0'),
    };
  }

  /** sets erp_acked_at once per order (the SLA clock stops), settles its pending push rows, and the SLA ledger judges it */
  async ack(merchantId: string, sel: { orderIds?: string[]; cursor?: string }): Promise<{ acked: number }> {
    const [xid, seq] = parseCursor(sel.cursor);
    const { rows, events } = await this.orders.transaction(async (em) => {
      const rows = await this.orders.ackForErp(em, merchantId, sel.orderIds ?? null, xid, seq);
      return { rows, events: await this.ledger.recordAcks(em, rows) };
    });
    this.ledger.publish(events);
    for (const r of rows) this.metrics.acked(r);
    return { acked: rows.length };
  }
}
