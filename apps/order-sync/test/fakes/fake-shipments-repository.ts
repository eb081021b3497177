import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { OrderStatus, Platform } from '@app/contracts';
import { ShipmentsRepository, type InsertedShipment, type NewShipment } from '../../src/shipments/shipments.repository';
import type { ShipmentRow, ShipmentStatus, ShipmentWithOrder } from '../../src/shipments/shipment.types';
import { unreachableDb } from './fake-outbox-repository';

/** what the shipment path reads of an order (order_sync.orders, and its shop's merchant from core.shops) */
export interface FakeShipmentOrder {
  id: string;
  shopId: string;
  merchantId: string;
  platform: Platform;
  platformOrderId: string;
  status: OrderStatus;
  refundStatus: string;
}

/** a stored shipment: the row the services read, and the columns only the SQL uses */
export interface FakeShipment extends ShipmentRow {
  merchant_id: string;
  seq: number;
}

/**
 * In-memory ShipmentsRepository: orders (with their shop's merchant) and shipments, on a hand-driven clock
 * (`clock.t`, ms). It keeps the SQL's rules the services rely on: a claim leases a pending, due shipment and
 * counts the attempt; outcomes and retries touch pending rows only; the insert resolves orders among the
 * merchant's shops only and dedupes by (merchant, idempotency key). Method calls are logged in `calls`.
 */
export class FakeShipmentsRepository extends ShipmentsRepository {
  readonly orders = new Map<string, FakeShipmentOrder>();
  readonly shipments = new Map<string, FakeShipment>();
  readonly calls: string[] = [];
  readonly clock = { t: 1_800_000_000_000 };
  private seq = 0;

  constructor() {
    super(unreachableDb<DataSource>('FakeShipmentsRepository'));
  }

  addOrder(p: Partial<FakeShipmentOrder> & { id: string; merchantId: string }): FakeShipmentOrder {
    const o: FakeShipmentOrder = { shopId: `shop-of-${p.merchantId}`, platform: 'douyin', platformOrderId: `po-${p.id}`, status: 'paid', refundStatus: 'none', ...p };
    this.orders.set(o.id, o);
    return o;
  }

  /** a pending shipment of the order, due now (overrides as given) */
  addShipment(order: FakeShipmentOrder, p: Partial<FakeShipment> = {}): FakeShipment {
    this.seq += 1;
    const now = new Date(this.clock.t);
    const s: FakeShipment = {
      id: `ship-${this.seq}`,
      seq: this.seq,
      merchant_id: order.merchantId,
      order_id: order.id,
      platform: order.platform,
      platform_order_id: order.platformOrderId,
      tracking_no: `SF${this.seq}`,
      carrier_code: 'shunfeng',
      line_ids: [],
      erp_shipment_id: null,
      idempotency_key: `auto-${this.seq}`,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      erp_notified_at: null,
      created_at: now,
      updated_at: now,
      shipped_at: null,
      ...p,
    };
    this.shipments.set(s.id, s);
    return s;
  }

  shipment(id: string): FakeShipment {
    const s = this.shipments.get(id);
    if (!s) throw new Error(`no shipment ${id}`);
    return s;
  }

  override async insert(merchantId: string, items: NewShipment[]): Promise<InsertedShipment[]> {
    this.calls.push('insert');
    const mine = [...this.orders.values()].filter((o) => o.merchantId === merchantId);
    const keyed = items.map((it, idx) => {
      const o =
        it.orderId !== null
          ? mine.find((m) => m.id === it.orderId && (it.platform === null || m.platform === it.platform))
          : mine.find((m) => m.platform === it.platform && m.platformOrderId === it.platformOrderId);
      const key = !o
        ? null
        : it.erpShipmentId !== null
          ? `erp-${it.erpShipmentId}`
          : `auto-${createHash('sha256').update(`${o.id}/${it.trackingNo}`, 'utf8').digest('hex')}`;
      return { idx, it, o, key };
    });
    const inserted = new Map<string, FakeShipment>();
    const firstIdx = new Map<string, number>();
    for (const k of keyed) {
      if (k.key === null || !k.o || firstIdx.has(k.key)) continue;
      firstIdx.set(k.key, k.idx);
      if (this.byKey(merchantId, k.key)) continue;
      inserted.set(
        k.key,
        this.addShipment(k.o, {
          merchant_id: merchantId,
          tracking_no: k.it.trackingNo,
          carrier_code: k.it.carrierCode,
          line_ids: k.it.lineIds,
          erp_shipment_id: k.it.erpShipmentId,
          idempotency_key: k.key,
        }),
      );
    }
    return keyed.map((k) => {
      const row = k.key === null ? undefined : (inserted.get(k.key) ?? this.byKey(merchantId, k.key));
      return {
        idx: k.idx,
        order_id: k.o?.id ?? null,
        key: k.key,
        id: row?.id ?? null,
        status: row?.status ?? null,
        duplicate: k.key !== null && (!inserted.has(k.key) || k.idx !== firstIdx.get(k.key)),
      };
    });
  }

  override async byKeys(merchantId: string, keys: string[]): Promise<{ id: string; idempotency_key: string; status: ShipmentStatus }[]> {
    this.calls.push('byKeys');
    return keys.flatMap((k) => {
      const s = this.byKey(merchantId, k);
      return s ? [{ id: s.id, idempotency_key: s.idempotency_key, status: s.status }] : [];
    });
  }

  override async forOrder(merchantId: string, orderId: string): Promise<ShipmentRow[]> {
    this.calls.push('forOrder');
    if (this.orders.get(orderId)?.merchantId !== merchantId) return [];
    return [...this.shipments.values()]
      .filter((s) => s.order_id === orderId)
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.seq - b.seq);
  }

  override async orderVisible(merchantId: string, orderId: string): Promise<boolean> {
    this.calls.push('orderVisible');
    return this.orders.get(orderId)?.merchantId === merchantId;
  }

  override async claim(shipmentId: string, leaseSec: number): Promise<ShipmentWithOrder | null> {
    this.calls.push('claim');
    const s = this.shipments.get(shipmentId);
    if (!s || s.status !== 'pending' || s.next_attempt_at.getTime() > this.clock.t) return null;
    // leased even when the order is gone (the UPDATE runs; the join then returns nothing), as the SQL does
    s.next_attempt_at = new Date(this.clock.t + leaseSec * 1000);
    s.attempts += 1;
    s.updated_at = new Date(this.clock.t);
    return this.join(s);
  }

  override async withOrder(shipmentId: string): Promise<(ShipmentWithOrder & { wait_ms: number }) | null> {
    this.calls.push('withOrder');
    const s = this.shipments.get(shipmentId);
    const row = s ? this.join(s) : null;
    return s && row ? { ...row, wait_ms: Math.max(0, s.next_attempt_at.getTime() - this.clock.t) } : null;
  }

  override async orderState(orderId: string): Promise<{ status: string; refund_status: string } | null> {
    this.calls.push('orderState');
    const o = this.orders.get(orderId);
    return o ? { status: o.status, refund_status: o.refundStatus } : null;
  }

  override async merchantOfOrder(orderId: string): Promise<string | null> {
    this.calls.push('merchantOfOrder');
    return this.orders.get(orderId)?.merchantId ?? null;
  }

  override async finish(id: string, status: Exclude<ShipmentStatus, 'pending'>, lastError: string | null): Promise<void> {
    this.calls.push('finish');
    const s = this.shipments.get(id);
    if (!s || s.status !== 'pending') return;
    Object.assign(s, { status, last_error: lastError, updated_at: new Date(this.clock.t), shipped_at: status === 'shipped' ? new Date(this.clock.t) : null });
  }

  override async markNotified(id: string): Promise<void> {
    this.calls.push('markNotified');
    const s = this.shipments.get(id);
    if (s) s.erp_notified_at = new Date(this.clock.t);
  }

  override async markRetry(id: string, error: string, delayMs: number): Promise<void> {
    this.calls.push('markRetry');
    const s = this.shipments.get(id);
    if (!s || s.status !== 'pending') return;
    Object.assign(s, { next_attempt_at: new Date(this.clock.t + delayMs), last_error: error, updated_at: new Date(this.clock.t) });
  }

  override async stalePending(staleSec: number, limit: number): Promise<{ id: string }[]> {
    this.calls.push('stalePending');
    const before = this.clock.t - staleSec * 1000;
    return [...this.shipments.values()]
      .filter((s) => s.status === 'pending' && s.created_at.getTime() < before && s.next_attempt_at.getTime() < before)
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
      .slice(0, limit)
      .map((s) => ({ id: s.id }));
  }

  private byKey(merchantId: string, key: string): FakeShipment | undefined {
    return [...this.shipments.values()].find((s) => s.merchant_id === merchantId && s.idempotency_key === key);
  }

  /** the shipment with what the worker reads of its order (an inner join: no order, no row) */
  private join(s: FakeShipment): ShipmentWithOrder | null {
    const o = this.orders.get(s.order_id);
    if (!o) return null;
    const { merchant_id: _m, seq: _s, ...row } = s;
    return { ...row, shop_id: o.shopId, order_status: o.status, order_refund_status: o.refundStatus };
  }
}
