import { platformRegistry } from '@app/platforms';
import type { Platform } from '@app/contracts';

export const STOCK_OPTIONS = Symbol('STOCK_OPTIONS');

export interface StockOptions {
  /** safety stock for SKUs whose ERP report names none (env SAFETY_STOCK) */
  safetyStockDefault: number;
  /**
   * Platforms whose delta API deduplicates by idempotency id: stock is pushed there as a delta
   * (`<skuId>-<shopId>-<seq>`); everywhere else as a full overwrite (a retried delta without an
   * idempotency id could apply twice).
   */
  deltaPlatforms: Platform[];
  /** sync-stock jobs wait this long so a burst of changes of one SKU collapses into one job */
  coalesceDelayMs: number;
  /** stock updates per second per SKU and shop (platform per-SKU update limits) */
  skuUpdatesPerSec: number;
  /** re-read the target after a push and push again while it keeps changing, at most this many times */
  maxPushRounds: number;
  /** repeatable drift check interval; 0 = not scheduled */
  driftCheckEveryMs: number;
  /** a platform figure differing from ours is corrected only when it is still the same after this long
   * (orders in flight make the platform briefly lower than what we believe) */
  driftGraceMs: number;
  /** rows compared per drift check */
  driftBatchSize: number;
}

export const DEFAULT_STOCK_OPTIONS: StockOptions = {
  safetyStockDefault: 0,
  // the registry's platforms whose delta API deduplicates (manifest stockDeltaIdempotent)
  deltaPlatforms: platformRegistry.all().filter((m) => m.stockDeltaIdempotent).map((m) => m.name),
  coalesceDelayMs: 200,
  skuUpdatesPerSec: 5,
  maxPushRounds: 3,
  driftCheckEveryMs: 5 * 60_000,
  driftGraceMs: 60_000,
  driftBatchSize: 500,
};
