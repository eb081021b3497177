import { Injectable, NotFoundException } from '@nestjs/common';
import type { ShipmentItemDto } from './dto/erp-shipments.dto';
import { ShipmentJobs } from './shipment-jobs';
import { toShipmentView, type ShipmentAccepted, type ShipmentView } from './shipment.types';
import { ShipmentsRepository } from './shipments.repository';

@Injectable()
export class ShipmentIntakeService {
  constructor(
    private readonly shipments: ShipmentsRepository,
    private readonly jobs: ShipmentJobs,
  ) {}

  /** records the shipments and enqueues a ship-order job for every one still pending (new or resent) */
  async create(merchantId: string, items: ShipmentItemDto[]): Promise<{ results: ShipmentAccepted[]; enqueued: boolean }> {
    const rows = await this.shipments.insert(
      merchantId,
      items.map((s) => ({
        erpShipmentId: s.shipmentId ?? null,
        orderId: s.orderId ?? null,
        platform: s.platform ?? null,
        // our order id names the order; the platform's is looked up only without it
        platformOrderId: s.orderId === undefined ? (s.platformOrderId ?? null) : null,
        trackingNo: s.trackingNo,
        carrierCode: s.carrierCode,
        lineIds: [...new Set(s.lineIds ?? [])],
      })),
    );
    // a key inserted by a concurrent request that committed after this statement's snapshot: read it now
    const missing = rows.filter((r) => r.key !== null && r.id === null).map((r) => r.key as string);
    if (missing.length > 0) {
      const late = await this.shipments.byKeys(merchantId, missing);
      const byKey = new Map(late.map((l) => [l.idempotency_key, l]));
      for (const r of rows) {
        const l = r.key !== null && r.id === null ? byKey.get(r.key) : undefined;
        if (l) Object.assign(r, { id: l.id, status: l.status, duplicate: true });
      }
    }
    const results: ShipmentAccepted[] = rows.map((r) => ({
      index: r.idx,
      shipmentId: r.id,
      erpShipmentId: items[r.idx].shipmentId ?? null,
      orderId: r.order_id,
      status: r.id === null || r.status === null ? 'not_found' : r.status,
      duplicate: r.duplicate,
    }));
    const pending = [...new Set(results.filter((r) => r.status === 'pending' && r.shipmentId !== null).map((r) => r.shipmentId as string))];
    const enqueued = await this.jobs.add(pending.map((shipmentId) => ({ shipmentId })));
    return { results, enqueued };
  }

  /** the order's shipments, oldest first; 404 when the order is unknown or another merchant's */
  async listForOrder(merchantId: string, orderId: string): Promise<{ orderId: string; shipments: ShipmentView[] }> {
    const rows = await this.shipments.forOrder(merchantId, orderId);
    if (rows.length === 0 && !(await this.shipments.orderVisible(merchantId, orderId))) {
      throw new NotFoundException(`order ${orderId} not found`);
    }
    return { orderId, shipments: rows.map(toShipmentView) };
  }
}
