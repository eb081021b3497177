import { Injectable, NotFoundException } from '@nestjs/common';
import { OrderTraceRepository, type TraceRows, type TracedOrderRow } from './order-trace.repository';

export type TraceEventKind =
  | 'created_on_platform'
  | 'paid'
  | 'push_received'
  | 'push_processed'
  | 'found_by_poll'
  | 'stored'
  | 'transition_rejected'
  | 'refused'
  | 'erp_attempt_failed'
  | 'erp_delivery_queued'
  | 'erp_delivered'
  | 'erp_acked'
  | 'sla_warning'
  | 'sla_breach'
  | 'shipment_received'
  | 'shipped_on_platform';

export interface TraceEvent {
  at: string;
  event: TraceEventKind;
  detail: Record<string, unknown>;
}

export interface OrderTrace {
  order: {
    id: string;
    platform: string;
    shopId: string;
    platformOrderId: string;
    status: string;
    platformStatus: string | null;
    version: number;
    refundStatus: string | null;
    erpOrderId: string | null;
    items: unknown;
  };
  /** how the order reached omnisync: a push, the poller, or both */
  arrivedBy: 'push' | 'poll' | 'push_and_poll' | 'unknown';
  /** pay (or SLA start) -> ERP ack, ms; null while unacknowledged */
  payToErpAckMs: number | null;
  timeline: TraceEvent[];
  /** what the trace cannot show, said rather than implied */
  limits: string[];
}

const LIMITS = [
  'ERP attempts: each attempt the ERP did not take is an erp_attempt_failed event with its answer (the last 200, kept with the outbox retention); the attempt that went through is erp_delivered',
  'buyer data is not part of the trace (it is sealed; erp keys read it through GET /erp/orders)',
];

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** One order's whole path, from the platform's pay time to the ERP's ack and the shipment, for a person. */
@Injectable()
export class OrderTraceService {
  constructor(private readonly repo: OrderTraceRepository) {}

  async byId(merchantId: string, orderId: string): Promise<OrderTrace> {
    const order = await this.repo.findById(merchantId, orderId);
    // another merchant's id and an unknown id answer the same
    if (!order) throw new NotFoundException(`order ${orderId} not found`);
    return this.trace(order);
  }

  async byPlatformOrderId(merchantId: string, platform: string, platformOrderId: string): Promise<{ traces: OrderTrace[] }> {
    const orders = await this.repo.findByPlatformOrderId(merchantId, platform, platformOrderId);
    if (orders.length === 0) throw new NotFoundException(`no ${platform} order ${platformOrderId} found`);
    return { traces: await Promise.all(orders.map((o) => this.trace(o))) };
  }

  private async trace(order: TracedOrderRow): Promise<OrderTrace> {
    const rows = await this.repo.rowsFor(order);
    return {
      order: {
        id: order.id,
        platform: order.platform,
        shopId: order.shop_id,
        platformOrderId: order.platform_order_id,
        status: order.status,
        platformStatus: order.platform_status,
        version: order.version,
        refundStatus: order.refund_status,
        erpOrderId: order.erp_order_id,
        items: order.items,
      },
      arrivedBy: arrivedBy(order, rows),
      payToErpAckMs: order.erp_acked_at && order.sla_started_at ? new Date(order.erp_acked_at).getTime() - new Date(order.sla_started_at).getTime() : null,
      timeline: timeline(order, rows),
      limits: LIMITS,
    };
  }
}

function arrivedBy(order: TracedOrderRow, rows: TraceRows): OrderTrace['arrivedBy'] {
  const push = rows.inbox.length > 0;
  const poll = order.found_by_poll_at !== null;
  if (push && poll) return 'push_and_poll';
  if (push) return 'push';
  if (poll) return 'poll';
  return 'unknown';
}

/** every timestamped fact about the order, oldest first (ties keep the path's order) */
export function timeline(order: TracedOrderRow, rows: TraceRows): TraceEvent[] {
  const out: TraceEvent[] = [];
  const add = (at: Date | null | undefined, event: TraceEventKind, detail: Record<string, unknown> = {}): void => {
    const when = iso(at);
    if (when) out.push({ at: when, event, detail });
  };
  add(order.created_at_platform, 'created_on_platform');
  add(order.pay_time, 'paid', { slaStartedAt: iso(order.sla_started_at) });
  for (const m of rows.inbox) {
    add(m.received_at, 'push_received', { messageId: m.message_id, topic: m.topic, kind: m.kind, occurredAt: iso(m.occurred_at), status: m.status, attempts: m.attempts, lastError: m.last_error });
    add(m.processed_at, 'push_processed', { messageId: m.message_id });
  }
  add(order.found_by_poll_at, 'found_by_poll');
  add(order.first_seen_at, 'stored', { version: 1 });
  for (const r of rows.rejected) add(r.at, 'transition_rejected', { from: r.from_status, to: r.to_status, platformStatus: r.platform_status, platformUpdatedAt: iso(r.platform_updated_at) });
  for (const r of rows.refused) add(r.at, 'refused', { reason: r.reason, platformUpdatedAt: r.platform_updated_at });
  for (const d of rows.outbox) {
    add(d.created_at, 'erp_delivery_queued', {
      outboxId: d.id,
      kind: d.kind,
      version: d.version,
      orderStatus: d.payload_status,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.status === 'delivered' ? null : iso(d.next_attempt_at),
      lastError: d.last_error,
    });
    add(d.delivered_at, 'erp_delivered', { outboxId: d.id, kind: d.kind, version: d.version, attempts: d.attempts, idempotencyKey: d.idempotency_key });
  }
  // each attempt the ERP did not take, with its answer: postponed (retried later) or refused for good
  const kindOf = new Map(rows.outbox.map((d) => [d.id, d]));
  for (const a of rows.attempts ?? []) {
    const d = kindOf.get(a.outbox_id);
    add(a.at, 'erp_attempt_failed', { outboxId: a.outbox_id, kind: d?.kind ?? null, version: d?.version ?? null, outcome: a.outcome, error: a.error });
  }
  add(order.erp_acked_at, 'erp_acked', { erpOrderId: order.erp_order_id });
  for (const e of rows.sla) {
    add(e.at, e.level === 'breach' ? 'sla_breach' : 'sla_warning', { level: e.level, cause: e.cause, ageMs: e.age_ms, decidedBy: e.source, disprovedAt: iso(e.disproved_at), alertedAt: iso(e.alerted_at) });
  }
  for (const s of rows.shipments) {
    add(s.created_at, 'shipment_received', { shipmentId: s.id, erpShipmentId: s.erp_shipment_id, trackingNo: s.tracking_no, carrier: s.carrier_code, status: s.status, attempts: s.attempts, lastError: s.last_error });
    add(s.shipped_at, 'shipped_on_platform', { shipmentId: s.id });
  }
  // stable: equal timestamps keep insertion (path) order
  return out.map((e, i) => ({ e, i })).sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i).map(({ e }) => e);
}
