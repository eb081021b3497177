import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { exceptionTypeOf, EXCEPTION_SERVICE, type OpsException } from '@app/contracts';
import { ErpDeliveryService } from '../delivery/erp-delivery.service';
import { OrderJobs } from '../shared/order-jobs';
import { ExceptionsRepository } from './exceptions.repository';

const iso = (d: Date): string => new Date(d).toISOString();

/**
 * order-sync's part of the exception inbox: failed ERP deliveries, failed shipment write-backs, push messages
 * that could not be processed, refused status transitions and refused platform answers — each derived from
 * the rows' state, so it goes away when its cause does.
 */
@Injectable()
export class ExceptionsService {
  constructor(
    private readonly repo: ExceptionsRepository,
    private readonly delivery: ErpDeliveryService,
    private readonly jobs: OrderJobs,
  ) {}

  async list(merchantId: string): Promise<OpsException[]> {
    const [deliveries, shipments, pushes, transitions, refused] = await Promise.all([
      this.repo.failedDeliveries(merchantId),
      this.repo.failedShipments(merchantId),
      this.repo.failedPushes(merchantId),
      this.repo.rejectedTransitions(merchantId),
      this.repo.refusedAnswers(merchantId),
    ]);
    const out: OpsException[] = [
      ...deliveries.map((d): OpsException => ({
        key: `erp_rejected:${d.id}:${d.attempts}`,
        type: 'erp_rejected',
        severity: 'critical',
        since: iso(d.since),
        title: { zh: `ERP 拒收订单 ${d.platform_order_id}`, en: `ERP rejected order ${d.platform_order_id}` },
        context: { outboxId: d.id, orderId: d.order_id, platform: d.platform, platformOrderId: d.platform_order_id, shopId: d.shop_id, version: d.version, kind: d.kind, attempts: d.attempts, lastError: d.last_error },
        actions: ['retry', 'resolve'],
      })),
      ...shipments.map((s): OpsException => ({
        key: `shipment_failed:${s.id}:${s.attempts}`,
        type: 'shipment_failed',
        severity: 'critical',
        since: iso(s.since),
        title: { zh: `发货回传失败 ${s.platform_order_id}`, en: `Shipment write-back failed for ${s.platform_order_id}` },
        context: { shipmentId: s.id, orderId: s.order_id, platform: s.platform, platformOrderId: s.platform_order_id, erpShipmentId: s.erp_shipment_id, trackingNo: s.tracking_no, attempts: s.attempts, lastError: s.last_error },
        actions: ['retry', 'resolve'],
      })),
      ...pushes.map((p): OpsException => ({
        key: `push_unprocessable:${p.id}:${p.attempts}`,
        type: 'push_unprocessable',
        severity: 'warning',
        since: iso(p.since),
        title: { zh: `平台推送无法处理 ${p.platform_order_id ?? p.message_id}`, en: `Platform push could not be processed: ${p.platform_order_id ?? p.message_id}` },
        context: { inboxId: p.id, platform: p.platform, messageId: p.message_id, topic: p.topic, platformOrderId: p.platform_order_id, shopId: p.shop_id, attempts: p.attempts, lastError: p.last_error },
        actions: ['retry', 'resolve'],
      })),
      ...transitions.map((t): OpsException => ({
        key: `illegal_transition:${t.id}`,
        type: 'illegal_transition',
        severity: 'info',
        since: iso(t.since),
        title: { zh: `订单状态回退被拒 ${t.platform_order_id}: ${t.from_status} → ${t.to_status}`, en: `Status change refused for ${t.platform_order_id}: ${t.from_status} -> ${t.to_status}` },
        context: { orderId: t.order_id, platform: t.platform, platformOrderId: t.platform_order_id, from: t.from_status, to: t.to_status, platformStatus: t.platform_status },
        actions: ['resolve'],
      })),
      ...refused.map((f): OpsException => ({
        key: `platform_answer_refused:${f.id}`,
        type: 'platform_answer_refused',
        severity: 'warning',
        since: iso(f.since),
        title:
          f.reason === 'unknown_status'
            ? { zh: `平台订单状态无法识别，已跳过 ${f.platform_order_id}`, en: `Order ${f.platform_order_id} skipped: its platform status has no mapping` }
            : { zh: `平台返回的订单与店铺不符 ${f.platform_order_id}`, en: `Platform answer refused for ${f.platform_order_id}` },
        context: { shopId: f.shop_id, platform: f.platform, platformOrderId: f.platform_order_id, reason: f.reason },
        actions: ['resolve'],
      })),
    ];
    return out.sort((a, b) => b.since.localeCompare(a.since));
  }

  /** hides the exception for this merchant; a key that is not one of its open exceptions is a 404 */
  async resolve(merchantId: string, key: string, note: string | null): Promise<{ key: string; resolved: true }> {
    await this.openOne(merchantId, key);
    await this.repo.resolve(merchantId, key, note);
    return { key, resolved: true };
  }

  /** re-runs the failed work: the delivery is enqueued now; a shipment or a push goes back to pending for its sweeper */
  async retry(merchantId: string, key: string): Promise<{ key: string; retried: true }> {
    const ex = await this.openOne(merchantId, key);
    if (!ex.actions.includes('retry')) throw new BadRequestException(`key: a ${ex.type} exception has no retry (resolve it instead)`);
    const id = String(ex.context.outboxId ?? ex.context.shipmentId ?? ex.context.inboxId);
    let done = false;
    if (ex.type === 'erp_rejected') {
      const rows = await this.delivery.resetFailed(merchantId, [id]);
      done = rows.length > 0;
      if (done) await this.jobs.addDeliveries(rows, `-exc-${Date.now()}`);
    } else if (ex.type === 'shipment_failed') done = await this.repo.retryShipment(merchantId, id);
    else if (ex.type === 'push_unprocessable') done = await this.repo.retryPush(merchantId, id);
    // changed between the read and the retry (delivered, retried by someone else): nothing left to retry
    if (!done) throw new NotFoundException(`exception ${key} is no longer open`);
    return { key, retried: true };
  }

  private async openOne(merchantId: string, key: string): Promise<OpsException> {
    const type = exceptionTypeOf(key);
    if (!type || EXCEPTION_SERVICE[type] !== 'order-sync') throw new BadRequestException(`key: "${key}" is not an order-sync exception key`);
    const found = (await this.list(merchantId)).find((e) => e.key === key);
    // another merchant's key and a closed one answer the same
    if (!found) throw new NotFoundException(`exception ${key} not found (resolved, gone, or not yours)`);
    return found;
  }
}
