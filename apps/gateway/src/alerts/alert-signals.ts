import type { OpsException } from '@app/contracts';
import type { ShopView } from '../shops/dto/shop.view';

/** GET /ops/sla of order-sync (the fields the rules read) */
export interface SlaSignal {
  platforms: Array<{ platform: string; acked: number; warnings: number; breaches: number; breachCauses: Record<string, number> }>;
}

export interface WorkCountsSignal {
  pending: number;
  failed: number;
  oldestPendingAgeMs: number | null;
}

/** GET /ops/queues of order-sync */
export interface QueuesSignal {
  inbox: WorkCountsSignal;
  outbox: WorkCountsSignal;
  shipments: WorkCountsSignal;
  platformQuota: Array<{ shopId: string; platform: string; ordersPerSec: number; ceilingOrdersPerSec: number; quotaBound: boolean }>;
}

/** GET /ops/breakers of order-sync */
export interface BreakersSignal {
  breakers: Array<{ upstream: string; lane: string; state: 'open' | 'halfOpen' | 'closed'; openSince: string | null }>;
}

/** the sources the signals come from: a source that did not answer leaves its alerts as they were */
export type SignalSource = 'order-sync' | 'catalog-sync' | 'coupon' | 'gateway';

/** what the evaluator read for one merchant; null: that read failed (its service is in `unavailable`) */
export interface MerchantSignals {
  merchantId: string;
  at: number;
  sla: SlaSignal | null;
  queues: QueuesSignal | null;
  breakers: BreakersSignal | null;
  orderExceptions: OpsException[] | null;
  catalogExceptions: OpsException[] | null;
  /** coupon GET /exceptions: coupon_sync_failed, coupon_budget */
  couponExceptions: OpsException[] | null;
  shops: ShopView[];
  unavailable: Array<{ service: 'order-sync' | 'catalog-sync' | 'coupon'; reason: string }>;
}
