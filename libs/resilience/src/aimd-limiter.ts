/**
 * What one call told the limiter about the upstream's capacity:
 *  - `success`: answered in time;
 *  - `slow`: answered, but slower than the caller's slow-call mark (the limit holds);
 *  - `drop`: timed out, failed with a 5xx / network error, or was throttled (429): the upstream is at capacity;
 *  - `ignore`: says nothing about capacity (never sent because the breaker is open, or refused as our mistake).
 */
export type CallOutcome = 'success' | 'slow' | 'drop' | 'ignore';

export interface AimdOptions {
  /** the limit a new limiter starts with (clamped to [min, max]) */
  initial: number;
  /** never fewer calls in flight than this (default 1) */
  min?: number;
  /** never more (the merchant's maximum, the connector's sockets) */
  max: number;
  /** a drop multiplies the limit by this (default 0.5) */
  backoffRatio?: number;
  /** while callers wait for a slot and nothing failed, the limit rises by one this often (default 500 ms) */
  probeIntervalMs?: number;
  /** no probe rise for this long after a drop (default 5 s) */
  holdAfterDropMs?: number;
  now?: () => number;
}

/** handed out by `start`, given back to `end` */
export interface CallTicket {
  readonly generation: number;
}

/**
 * Adaptive concurrency limit of one upstream's calls: AIMD (additive increase, multiplicative decrease), the
 * TCP congestion-window rule applied to calls in flight.
 *
 * Written here because npm has no maintained adaptive-concurrency library for Node: p-limit, p-queue, bottleneck
 * and cockatiel's bulkhead hold a fixed limit, and Netflix's concurrency-limits (AIMD / gradient limits) is Java.
 * This class only keeps the number; the caller gates its calls with `limit` (GroupCommitter's maxInFlight) and
 * drives `probe` from a timer, so it is plain, clock-injectable and has no timers of its own.
 *
 * - Increase: +1/limit for each call that succeeds while at least half the limit is in flight (about +1 per
 *   round trip while the limit is used; a limit nobody uses does not grow), and +1 per `probeIntervalMs` while callers wait for a slot and no call dropped
 *   for `holdAfterDropMs`. The probe is what lets a slow upstream get more calls in flight: one that answers in
 *   12 s gives one success per call per 12 s, far too few to grow on, while a backlog waits. Latency alone never
 *   lowers the limit — a slow answer is still an answer; Little's law wants more calls in flight, not fewer.
 * - Decrease: a drop multiplies the limit by `backoffRatio`, once per generation of calls: a call started before
 *   the last decrease cannot decrease it again, so a burst of timeouts from one stall counts once (TCP halves
 *   its window once per round trip for the same reason).
 */
export class AimdLimiter {
  private window: number;
  private inFlightCount = 0;
  private generation = 0;
  private lastDropAt = Number.NEGATIVE_INFINITY;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private readonly min: number;
  private readonly max: number;
  private readonly ratio: number;
  private readonly probeIntervalMs: number;
  private readonly holdAfterDropMs: number;
  private readonly now: () => number;

  constructor(o: AimdOptions) {
    this.min = Math.max(1, Math.floor(o.min ?? 1));
    this.max = Math.max(this.min, Math.floor(o.max));
    this.ratio = o.backoffRatio ?? 0.5;
    if (!(this.ratio > 0 && this.ratio < 1)) throw new Error(`backoffRatio must be in (0, 1): ${this.ratio}`);
    this.probeIntervalMs = o.probeIntervalMs ?? 500;
    this.holdAfterDropMs = o.holdAfterDropMs ?? 5000;
    this.now = o.now ?? Date.now;
    this.window = this.clamp(o.initial);
  }

  /** calls allowed in flight now */
  get limit(): number {
    return Math.floor(this.window);
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get maximum(): number {
    return this.max;
  }

  /** a call goes out (the caller checked `inFlight < limit`) */
  start(): CallTicket {
    this.inFlightCount += 1;
    return { generation: this.generation };
  }

  end(ticket: CallTicket, outcome: CallOutcome): void {
    const inUse = this.inFlightCount * 2 >= this.limit;
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    if (outcome === 'success') {
      if (inUse) this.window = this.clamp(this.window + 1 / this.window);
    } else if (outcome === 'drop') {
      if (ticket.generation !== this.generation) return;
      this.window = this.clamp(this.window * this.ratio);
      this.generation += 1;
      this.lastDropAt = this.now();
    }
  }

  /**
   * Called while callers wait for a slot (`waiting`): raises the limit by one when every slot is in use, the
   * last probe is `probeIntervalMs` ago and the last drop `holdAfterDropMs` ago. true when it rose.
   */
  probe(waiting: boolean): boolean {
    const t = this.now();
    if (!waiting || this.inFlightCount < this.limit || this.limit >= this.max) return false;
    if (t - this.lastDropAt < this.holdAfterDropMs || t - this.lastProbeAt < this.probeIntervalMs) return false;
    this.lastProbeAt = t;
    this.window = this.clamp(Math.floor(this.window) + 1);
    return true;
  }

  private clamp(n: number): number {
    return Math.min(this.max, Math.max(this.min, n));
  }
}
