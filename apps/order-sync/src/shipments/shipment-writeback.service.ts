import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { isUpstreamError, type UpstreamError } from '@app/contracts';
import { ErpConnector, type ErpShipmentNotice } from '@app/erp';
import { PlatformAdapterLookup } from '@app/intake';
import { ShopDirectory, type ShopContext } from '@app/platforms';
import { DONE, describeError, retryDelayMs, type JobOutcome } from '@app/queue';
import { ErpLanes } from '../delivery/erp-lanes';
import { describeOrderState, messageSaysRefund, refundBlocks } from './shipment-rules';
import { SHIPMENTS_OPTIONS, type ShipmentsOptions } from './shipments.options';
import { ShipmentsRepository } from './shipments.repository';
import type { ShipmentRow, ShipmentStatus, ShipmentWithOrder } from './shipment.types';

type FinalStatus = Exclude<ShipmentStatus, 'pending'>;
const ERP_OUTCOME: Record<FinalStatus, ErpShipmentNotice['outcome']> = {
  shipped: 'shipped',
  blocked_by_refund: 'blocked_by_refund',
  failed: 'failed',
};

export interface WritebackStats {
  platformCalls: number;
}

/**
 * Writes one shipment back to its platform. Decisions:
 * - a refund or cancellation known before the call (order status refunding/refunded/cancelled, or refund
 *   requested/refunded) blocks it: no platform call, status blocked_by_refund, the ERP is told;
 * - a platform refusal (non-retryable) caused by a refund that reached the platform first is blocked the same
 *   way (checked by re-reading the order: ours, then the platform's, then the error text);
 * - retryable/rate_limited/circuit_open: back off by the error's own hint without burning a BullMQ attempt;
 * - other non-retryable errors: failed with the platform's message, the ERP is told, the job fails for good.
 * The order row is NOT touched: its status (shipped / partially_shipped) comes with the platform's next
 * message or poll, through the versioned ingest path that also feeds the ERP outbox.
 * The ERP hears every final outcome once the row is final (`erp_notified_at`); if that call fails
 * retryably the job comes back and only re-sends the notice, never the platform call.
 */
@Injectable()
export class ShipmentWritebackService {
  private readonly logger = new Logger(ShipmentWritebackService.name);
  readonly stats: WritebackStats = { platformCalls: 0 };

  private readonly lanes: ErpLanes;

  constructor(
    private readonly shipments: ShipmentsRepository,
    private readonly adapters: PlatformAdapterLookup,
    private readonly shops: ShopDirectory,
    erp: ErpConnector,
    @Inject(SHIPMENTS_OPTIONS) private readonly opts: ShipmentsOptions,
    /** each merchant's ERP hears its own shipments (absent: everything goes to the default ERP) */
    @Optional() lanes?: ErpLanes,
  ) {
    this.lanes = lanes ?? new ErpLanes(erp);
  }

  async ship(shipmentId: string): Promise<JobOutcome> {
    const claimed = await this.shipments.claim(shipmentId, this.opts.leaseSec);
    if (!claimed) return this.settleByState(shipmentId);

    const order = { status: claimed.order_status, refundStatus: claimed.order_refund_status };
    if (refundBlocks(order)) {
      return this.finish(claimed, 'blocked_by_refund', `${describeOrderState(order)}; shipment not written back to ${claimed.platform}`);
    }
    const shop = await this.shops.get(claimed.shop_id);
    if (!shop) return this.finish(claimed, 'failed', `shop ${claimed.shop_id} is not in the shop directory`);

    try {
      this.stats.platformCalls += 1;
      await this.adapters.get(claimed.platform).ship(shop, {
        platformOrderId: claimed.platform_order_id,
        trackingNo: claimed.tracking_no,
        carrierCode: claimed.carrier_code,
        lineIds: claimed.line_ids,
      });
    } catch (e) {
      if (!isUpstreamError(e)) {
        // not classified: release the lease at once and let BullMQ's retry/backoff own it
        await this.markRetry(claimed.id, describeError(e), 0);
        throw e;
      }
      if (e.retryable) {
        const ms = retryDelayMs(e, claimed.attempts);
        await this.markRetry(claimed.id, describeError(e), ms);
        return { kind: 'delay', ms, reason: describeError(e) };
      }
      const refund = await this.refusedForRefund(claimed, shop, e);
      if (refund) return this.finish(claimed, 'blocked_by_refund', `${refund}; ${claimed.platform} refused the shipment: ${e.message}`);
      return this.finish(claimed, 'failed', e.message);
    }
    return this.finish(claimed, 'shipped', `shipped with ${claimed.carrier_code} ${claimed.tracking_no}`);
  }

  /** the job could not take the row: it is final (maybe still owing the ERP a notice), leased or backing off */
  private async settleByState(shipmentId: string): Promise<JobOutcome> {
    const row = await this.shipments.withOrder(shipmentId);
    if (!row) return { kind: 'failed', reason: `shipment ${shipmentId} not found` };
    if (row.status === 'pending') return { kind: 'delay', ms: row.wait_ms + 100, reason: 'shipment leased or backing off' };
    if (row.erp_notified_at === null) return this.notify(row, row.status, row.last_error ?? '');
    return row.status === 'failed' ? { kind: 'failed', reason: row.last_error ?? 'failed' } : DONE;
  }

  /** was this refusal caused by a refund/cancellation? returns the reason, or null */
  private async refusedForRefund(row: ShipmentWithOrder, shop: ShopContext, e: UpstreamError): Promise<string | null> {
    if (e.kind !== 'invalid_request') return null;
    // ours first: the refund may have been ingested while the call was in flight
    const ours = await this.shipments.orderState(row.order_id);
    if (ours && refundBlocks({ status: ours.status, refundStatus: ours.refund_status })) {
      return describeOrderState({ status: ours.status, refundStatus: ours.refund_status });
    }
    try {
      const theirs = await this.adapters.get(row.platform).getOrder(shop, row.platform_order_id);
      return refundBlocks(theirs) ? `${describeOrderState(theirs)} on ${row.platform}` : null;
    } catch (readErr) {
      this.logger.warn(`could not re-read order ${row.order_id} after a refused shipment: ${describeError(readErr)}`);
      return messageSaysRefund(e) ? 'the platform reports a refund or cancellation' : null;
    }
  }

  private async finish(row: ShipmentRow, status: FinalStatus, message: string): Promise<JobOutcome> {
    await this.shipments.finish(row.id, status, status === 'shipped' ? null : message.slice(0, 1000));
    if (status !== 'shipped') this.logger.warn(`shipment ${row.id} (order ${row.order_id}) ${status}: ${message}`);
    return this.notify(row, status, message);
  }

  private async notify(row: ShipmentRow, status: FinalStatus, message: string): Promise<JobOutcome> {
    const lane = await this.lanes.forMerchant(await this.shipments.merchantOfOrder(row.order_id));
    if (lane.unusable !== null) return { kind: 'delay', ms: 30_000, reason: `ERP shipment notice: ${lane.unusable}` };
    // connector pull: the ERP reads shipments through GET /erp/shipments; there is nobody to notify
    if (!lane.connector) return status === 'failed' ? { kind: 'failed', reason: message } : DONE;
    try {
      await lane.connector.notifyShipment({
        orderId: row.order_id,
        platformOrderId: row.platform_order_id,
        outcome: ERP_OUTCOME[status],
        message: status === 'shipped' ? `shipped with ${row.carrier_code} ${row.tracking_no}` : message,
      });
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      if (e.retryable) return { kind: 'delay', ms: retryDelayMs(e, row.attempts), reason: `ERP shipment notice: ${describeError(e)}` };
      return { kind: 'failed', reason: `ERP refused the shipment notice: ${describeError(e)}` };
    }
    await this.shipments.markNotified(row.id);
    return status === 'failed' ? { kind: 'failed', reason: message } : DONE;
  }

  private async markRetry(id: string, error: string, delayMs: number): Promise<void> {
    await this.shipments.markRetry(id, error, delayMs);
  }
}
