import { platformRegistry } from '@app/platforms';
import type { Platform } from '@app/contracts';

export type AllocationMode = 'shared' | 'fixed' | 'ring_fenced';

export interface Allocation {
  mode: AllocationMode;
  /** fixed: percent of (on-hand − safety stock) per platform, integers summing to at most 100; others get 0 */
  shares: Partial<Record<Platform, number>>;
  /** ring_fenced: the live session's platform and its pool (units) */
  ringFenced: { platform: Platform; quantity: number } | null;
}

export const SHARED_ALLOCATION: Allocation = { mode: 'shared', shares: {}, ringFenced: null };

export interface SellableInput {
  onHand: number;
  safetyStock: number;
  allocation: Allocation;
  /** the shops the SKU is mapped to */
  shops: { shopId: string; platform: Platform }[];
  /** units still held per shop: paid-not-shipped, plus shipped-but-not-yet-in-an-ERP-report (any shop, mapped or not) */
  reservedByShop: Record<string, number>;
}

export interface SellableResult {
  /** on-hand − safety stock, floored at 0 */
  base: number;
  reserved: number;
  /** base − reserved (negative when more was sold than could be) */
  free: number;
  /** units sold beyond the physical on-hand (what a shared pool risks) */
  oversold: number;
  perPlatform: Partial<Record<Platform, number>>;
  perShop: Record<string, number>;
}

/**
 * What each shop may sell of one SKU:
 *   base = on-hand − safety stock; free = base − reserved (all platforms)
 *   shared:      every platform shows `free` (concurrent sales can oversell; measured as `oversold`)
 *   fixed:       platform p shows floor(share_p% × base) − reserved_p, and the sum never exceeds `free`
 *   ring_fenced: the live platform shows its pool − its own reservations; the others share `free` − that
 * Several shops of one platform split the platform's figure (fixed, ring_fenced) or each show it (shared).
 */
export function computeSellable(input: SellableInput): SellableResult {
  const base = Math.max(0, input.onHand - input.safetyStock);
  const reserved = Object.values(input.reservedByShop).reduce((a, n) => a + n, 0);
  const free = base - reserved;
  const available = Math.max(0, free);
  const oversold = Math.max(0, reserved - input.onHand);
  const platforms = [...new Set(input.shops.map((s) => s.platform))];
  const reservedP: Partial<Record<Platform, number>> = {};
  for (const s of input.shops) reservedP[s.platform] = (reservedP[s.platform] ?? 0) + (input.reservedByShop[s.shopId] ?? 0);

  const perPlatform: Partial<Record<Platform, number>> = {};
  const { allocation } = input;
  if (allocation.mode === 'shared') {
    for (const p of platforms) perPlatform[p] = available;
  } else if (allocation.mode === 'fixed') {
    for (const p of platforms) perPlatform[p] = Math.max(0, Math.floor(((allocation.shares[p] ?? 0) * base) / 100) - (reservedP[p] ?? 0));
    capTotal(perPlatform, available);
  } else {
    const live = allocation.ringFenced;
    const livePlatform = live?.platform;
    const pool = Math.min(live?.quantity ?? 0, base);
    const liveShows = livePlatform && platforms.includes(livePlatform) ? Math.min(available, Math.max(0, pool - (reservedP[livePlatform] ?? 0))) : 0;
    const rest = Math.max(0, available - liveShows);
    for (const p of platforms) perPlatform[p] = p === livePlatform ? liveShows : rest;
  }

  const perShop: Record<string, number> = {};
  for (const p of platforms) {
    const shops = input.shops.filter((s) => s.platform === p).sort((a, b) => a.shopId.localeCompare(b.shopId));
    const total = perPlatform[p] ?? 0;
    if (allocation.mode === 'shared' || shops.length === 1) {
      for (const s of shops) perShop[s.shopId] = total;
    } else {
      const each = Math.floor(total / shops.length);
      shops.forEach((s, i) => (perShop[s.shopId] = each + (i < total % shops.length ? 1 : 0)));
    }
  }
  return { base, reserved, free, oversold, perPlatform, perShop };
}

/** lowers the largest figures first until their sum is at most `limit` */
function capTotal(values: Partial<Record<Platform, number>>, limit: number): void {
  let excess = Object.values(values).reduce<number>((a, n) => a + (n ?? 0), 0) - limit;
  while (excess > 0) {
    const [p] = (Object.entries(values) as [Platform, number][]).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    values[p] = (values[p] ?? 0) - 1;
    excess--;
  }
}

/** Validates an allocation's shape; returns the offending field and why, or null. */
export function allocationProblem(a: Allocation): { field: string; message: string } | null {
  if (a.mode === 'fixed') {
    let sum = 0;
    for (const [p, v] of Object.entries(a.shares)) {
      if (!platformRegistry.has(p)) return { field: `shares.${p}`, message: `unknown platform; must be one of: ${platformRegistry.names().join(', ')}` };
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 100) return { field: `shares.${p}`, message: 'must be an integer percent 0-100' };
      sum += v as number;
    }
    if (sum > 100) return { field: 'shares', message: `shares sum to ${sum}%, more than 100%` };
  }
  if (a.mode === 'ring_fenced' && !a.ringFenced) return { field: 'ringFenced', message: 'is required for mode ring_fenced' };
  return null;
}
