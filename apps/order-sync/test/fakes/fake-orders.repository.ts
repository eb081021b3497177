import type { EntityManager } from 'typeorm';
import { ORDER_STATUS_RANK, type CanonicalOrder } from '@app/contracts';
import { OrderUpsertRepository, type UpsertSummary } from '../../src/orders/order-upsert.repository';
import { OrdersRepository, type ErpAckRow, type ErpPageRow, type StoredOrderVersion } from '../../src/orders/orders.repository';
import { FakeEntityManager } from './fake-entity-manager';
import { deliveryFor } from '../../src/orders/order-transitions';

/** a stored order in the fake table */
export interface FakeStoredOrder {
  id: string;
  version: number;
  order: CanonicalOrder;
  /** the ERP acknowledged it (erp_acked_at set) */
  acked: boolean;
}

const key = (shopId: string, platformOrderId: string): string => `${shopId}/${platformOrderId}`;

/**
 * OrdersRepository in memory; `stored` is the table, shared with FakeOrderUpsertRepository. The ERP pull API's
 * statements (cursor over transaction ids, visibility) are not modelled: they answer `erpPageRows` /
 * `erpAckRows` as given and record their arguments in `erpCalls`.
 */
export class FakeOrdersRepository extends OrdersRepository {
  readonly stored = new Map<string, FakeStoredOrder>();
  readonly em = new FakeEntityManager();
  transactions = 0;
  erpPageRows: ErpPageRow[] = [];
  erpAckRows: ErpAckRow[] = [];
  readonly erpCalls: { method: 'erpPage' | 'ackForErp'; args: unknown[]; inTransaction: boolean }[] = [];
  private inTransaction = false;
  private nextId = 1;

  constructor() {
    super(null as never); // no DataSource: every method is overridden
  }

  /** stores an order as if an earlier ingest had written it */
  put(order: CanonicalOrder, opts: { acked?: boolean } = {}): FakeStoredOrder {
    const k = key(order.shopId, order.platformOrderId);
    const cur = this.stored.get(k);
    const row: FakeStoredOrder = { id: cur?.id ?? `order-${this.nextId++}`, version: (cur?.version ?? 0) + 1, order, acked: opts.acked ?? cur?.acked ?? false };
    this.stored.set(k, row);
    return row;
  }

  find(shopId: string, platformOrderId: string): FakeStoredOrder | undefined {
    return this.stored.get(key(shopId, platformOrderId));
  }

  override async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    this.transactions += 1;
    this.inTransaction = true;
    try {
      return await work(this.em.asManager());
    } finally {
      this.inTransaction = false;
    }
  }

  override async erpPage(merchantId: string, xid: string, seq: string, limit: number): Promise<ErpPageRow[]> {
    this.erpCalls.push({ method: 'erpPage', args: [merchantId, xid, seq, limit], inTransaction: this.inTransaction });
    return this.erpPageRows;
  }

  override async ackForErp(_em: EntityManager, merchantId: string, orderIds: string[] | null, xid: string, seq: string): Promise<ErpAckRow[]> {
    this.erpCalls.push({ method: 'ackForErp', args: [merchantId, orderIds, xid, seq], inTransaction: this.inTransaction });
    return this.erpAckRows;
  }

  override async storedVersions(shopIds: string[], platformOrderIds: string[]): Promise<StoredOrderVersion[]> {
    const out: StoredOrderVersion[] = [];
    const seen = new Set<string>();
    shopIds.forEach((shopId, i) => {
      const k = key(shopId, platformOrderIds[i]);
      const row = this.stored.get(k);
      if (!row || seen.has(k)) return;
      seen.add(k);
      out.push({ shop_id: shopId, platform_order_id: row.order.platformOrderId, platform_updated_at: new Date(row.order.updatedAt), acked: row.acked });
    });
    return out;
  }
}

/**
 * OrderUpsertRepository in memory over a FakeOrdersRepository: a candidate newer than the stored version (update
 * time, then status rank) is written with a new version, and gets an outbox row when deliveryFor says so. Every
 * call's candidates are kept in `applied`; `failures` are thrown by the next calls before anything is written.
 */
export class FakeOrderUpsertRepository extends OrderUpsertRepository {
  readonly applied: CanonicalOrder[][] = [];
  readonly failures: unknown[] = [];
  private nextOutboxId = 1;

  constructor(readonly orders: FakeOrdersRepository) {
    super(null as never); // no BuyerVault: apply is overridden
  }

  override async apply(_em: EntityManager, candidates: CanonicalOrder[]): Promise<UpsertSummary> {
    this.applied.push(candidates);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const summary: UpsertSummary = { considered: candidates.length, changed: 0, rejected: 0, outbox: [], changedOrders: [], statements: 1 };
    for (const c of candidates) {
      const cur = this.orders.find(c.shopId, c.platformOrderId);
      const newer =
        !cur ||
        Date.parse(c.updatedAt) > Date.parse(cur.order.updatedAt) ||
        (Date.parse(c.updatedAt) === Date.parse(cur.order.updatedAt) && ORDER_STATUS_RANK[c.status] > ORDER_STATUS_RANK[cur.order.status]);
      if (!newer) continue;
      const row = this.orders.put(c);
      summary.changed += 1;
      summary.changedOrders.push({ orderId: row.id, version: row.version, order: c });
      const kind = deliveryFor(cur?.order.status ?? null, c.status, c.paidAt != null);
      if (kind) summary.outbox.push({ outboxId: String(this.nextOutboxId++), kind, merchantId: null, platform: c.platform });
    }
    return summary;
  }
}
