/**
 * Fixed one-second window counter per key (shop, or shop + API). Deterministic enough for tests
 * and O(1) per call for benchmarks.
 */
export class QpsLimiter {
  private windows = new Map<string, { second: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one call; returns 0 when allowed, else the seconds left in the ban (>= 1). */
  take(key: string, limit: number | null | undefined): number {
    if (limit === null || limit === undefined || limit <= 0) return 0;
    const t = this.now();
    const second = Math.floor(t / 1000);
    let w = this.windows.get(key);
    if (!w || w.second !== second) {
      w = { second, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= limit) return Math.max(1, Math.ceil(((second + 1) * 1000 - t) / 1000));
    w.count++;
    return 0;
  }

  reset(): void {
    this.windows.clear();
  }
}
