import { Injectable, Logger } from '@nestjs/common';
import type { OrderStatus, Platform, StockOrderEvent } from '@app/contracts';
import { allocationProblem, type Allocation } from './sellable';
import { StockJobs } from './stock-jobs';
import { believedQuantity, StockRepository, type ReservationRow, type ReservationStatus } from './stock.repository';

export interface LevelReport {
  erpSkuCode: string;
  onHand: number;
  safetyStock?: number | null;
  /** the ERP's time of the figure (ISO); older than the stored one = skipped */
  asOf?: string;
}

export interface LevelsResult {
  applied: { index: number; erpSkuCode: string; skuId: string }[];
  stale: { index: number; erpSkuCode: string; skuId: string }[];
  unknown: { index: number; erpSkuCode: string; error: string }[];
}

export class StockValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

export class SkuNotFoundError extends Error {}

/** reserve on paid, consume on shipped, release on cancel / refund before shipment; nothing before payment */
const STATUS_EFFECT: Record<OrderStatus, ReservationStatus | null> = {
  pending_payment: null,
  paid: 'reserved',
  partially_shipped: 'reserved',
  refunding: 'reserved',
  shipped: 'consumed',
  completed: 'consumed',
  cancelled: 'released',
  refunded: 'released',
};
const EFFECT_RANK: Record<ReservationStatus, number> = { reserved: 0, consumed: 1, released: 1 };

/** ERP levels, allocations and order reservations of stock; each change enqueues the affected pushes. */
@Injectable()
export class StockService {
  private readonly logger = new Logger(StockService.name);
  readonly stats = { orderEvents: 0, reservationRows: 0, unresolvedLines: 0 };

  constructor(
    private readonly repo: StockRepository,
    private readonly jobs: StockJobs,
  ) {}

  async setLevels(merchantId: string, reports: LevelReport[]): Promise<LevelsResult> {
    const byCode = await this.repo.skusByCode(merchantId, [...new Set(reports.map((r) => r.erpSkuCode))]);
    const result: LevelsResult = { applied: [], stale: [], unknown: [] };
    const rows: { index: number; erpSkuCode: string; skuId: string; onHand: number; safetyStock: number | null; asOf: string }[] = [];
    const now = new Date().toISOString();
    reports.forEach((r, index) => {
      const skuId = byCode.get(r.erpSkuCode);
      if (!skuId) result.unknown.push({ index, erpSkuCode: r.erpSkuCode, error: 'unknown SKU code for this merchant' });
      else rows.push({ index, erpSkuCode: r.erpSkuCode, skuId, onHand: r.onHand, safetyStock: r.safetyStock ?? null, asOf: r.asOf ?? now });
    });
    const written = new Set(await this.repo.upsertLevels(rows));
    for (const r of rows) (written.has(r.skuId) ? result.applied : result.stale).push({ index: r.index, erpSkuCode: r.erpSkuCode, skuId: r.skuId });
    await this.jobs.syncStock(await this.repo.mappingsOf([...written]));
    return result;
  }

  /** `merchantId`: the caller's merchant; a SKU of another merchant is "not found" (never changed) */
  async setAllocation(merchantId: string, skuId: string, allocation: Allocation, liveSessionId: string | null): Promise<void> {
    const snap = await this.repo.snapshot(skuId);
    if (!snap || snap.merchantId !== merchantId) throw new SkuNotFoundError(`sku ${skuId} not found`);
    const problem = allocationProblem(allocation);
    if (problem) throw new StockValidationError(problem.field, problem.message);
    await this.repo.upsertAllocation(skuId, allocation, liveSessionId);
    await this.jobs.syncStock(await this.repo.mappingsOf([skuId]));
  }

  /**
   * Order stock events -> reservations, idempotent per (shop, order, SKU). Lines are matched to
   * SKUs by the shop's SKU mapping or the ERP code (explicit keys only); unmatched lines are counted and skipped.
   */
  async applyOrderEvents(orders: StockOrderEvent[]): Promise<{ changedSkus: string[]; unresolvedLines: number }> {
    this.stats.orderEvents += orders.length;
    const lines = orders.flatMap((o) => {
      const effect = STATUS_EFFECT[o.status];
      return effect ? o.items.map((item) => ({ order: o, item, effect })) : [];
    });
    const skuIds = await this.repo.resolveSkus(lines.map((l) => ({ shopId: l.order.shopId, erpSkuCode: l.item.erpSkuCode, platformSkuId: l.item.platformSkuId })));
    const byKey = new Map<string, ReservationRow>();
    const seenLines = new Set<string>();
    let unresolved = 0;
    const unmapped: Parameters<StockRepository['recordUnmapped']>[0] = [];
    lines.forEach((l, i) => {
      const skuId = skuIds[i];
      if (!skuId) {
        unresolved++;
        unmapped.push({ shopId: l.order.shopId, platformSkuId: l.item.platformSkuId, erpSkuCode: l.item.erpSkuCode ?? null, orderId: l.order.platformOrderId });
        return;
      }
      const key = `${l.order.shopId}|${l.order.platformOrderId}|${skuId}|${l.order.updatedAt}|${l.effect}`;
      // the same order snapshot delivered twice in one batch must not double its quantities
      if (seenLines.has(`${key}|${l.item.lineId}`)) return;
      seenLines.add(`${key}|${l.item.lineId}`);
      const row = byKey.get(key);
      if (row) row.quantity += l.item.quantity;
      else
        byKey.set(key, {
          skuId,
          shopId: l.order.shopId,
          platform: l.order.platform as Platform,
          platformOrderId: l.order.platformOrderId,
          quantity: l.item.quantity,
          status: l.effect,
          orderUpdatedAt: l.order.updatedAt,
          soldAt: l.order.paidAt ?? l.order.createdAt ?? null,
        });
    });
    // one row per (shop, order, SKU): the latest version of the order in this batch wins
    const latest = new Map<string, ReservationRow>();
    for (const r of byKey.values()) {
      const k = `${r.shopId}|${r.platformOrderId}|${r.skuId}`;
      const prev = latest.get(k);
      if (!prev || EFFECT_RANK[r.status] > EFFECT_RANK[prev.status] || (EFFECT_RANK[r.status] === EFFECT_RANK[prev.status] && r.orderUpdatedAt > prev.orderUpdatedAt)) latest.set(k, r);
    }
    const rows = [...latest.values()].filter((r) => r.quantity > 0);
    this.stats.reservationRows += rows.length;
    this.stats.unresolvedLines += unresolved;
    if (unresolved > 0) {
      this.logger.warn({ msg: 'order lines without a SKU match skipped', lines: unresolved, orders: orders.length });
      await this.repo.recordUnmapped(unmapped); // the exception inbox's unmapped_sku
    }
    const changedSkus = await this.repo.applyReservations(rows);
    await this.jobs.syncStock(await this.repo.mappingsOf(changedSkus));
    return { changedSkus, unresolvedLines: unresolved };
  }

  /** per-shop sellable, what we last pushed and what the platform shows by our books (the merchant's SKUs only) */
  async view(merchantId: string, skuId: string) {
    const snap = await this.repo.snapshot(skuId);
    if (!snap || snap.merchantId !== merchantId) throw new SkuNotFoundError(`sku ${skuId} not found`);
    const states = new Map((await this.repo.pushStates(skuId)).map((s) => [s.shopId, s]));
    return {
      skuId,
      onHand: snap.onHand,
      safetyStock: snap.safetyStock,
      erpUpdatedAt: snap.erpUpdatedAt,
      reserved: snap.sellable.reserved,
      free: snap.sellable.free,
      oversold: snap.sellable.oversold,
      allocation: { ...snap.allocation, liveSessionId: snap.liveSessionId },
      platforms: snap.mappings.map((m) => {
        const s = states.get(m.shopId) ?? null;
        return {
          shopId: m.shopId,
          platform: m.platform,
          sellable: snap.sellable.perShop[m.shopId] ?? 0,
          soldUnits: snap.ownUnits[m.shopId] ?? 0,
          lastPushed: s?.lastPushedQuantity ?? null,
          lastMode: s?.lastMode ?? null,
          pushedAt: s?.pushedAt ? new Date(s.pushedAt).toISOString() : null,
          pushes: s?.pushes ?? 0,
          platformShowsByOurBooks: believedQuantity(s, snap.ownUnits[m.shopId] ?? 0),
          lastError: s?.lastError ?? null,
        };
      }),
    };
  }
}
