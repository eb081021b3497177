export interface AdaptiveTimeoutOptions {
  /** the limit while the upstream answers fast (the configured timeout) */
  floorMs: number;
  /** the limit never goes above this */
  maxMs: number;
  /** limit = factor x the latency mark (default 2) */
  factor?: number;
  /** how far a faster answer pulls the mark down (default 0.2 of the gap per answer) */
  decay?: number;
}

/**
 * One upstream's call time limit from its observed latency: `factor` x a high-water mark of recent latencies,
 * within [floorMs, maxMs]. The mark jumps up to any slower answer and sinks slowly on faster ones, so one fast
 * answer does not shorten the limit under an upstream that is slow most of the time. A call that timed out
 * raises the mark to the limit it ran with (its latency was at least that): the next calls get `factor` times
 * as long, up to maxMs. An upstream answering in 12 s thus gets 24 s instead of losing every answer at a fixed
 * limit (the ERP applies a batch whose answer we threw away; the retry is safe but the time is lost).
 */
export class AdaptiveTimeout {
  private mark = 0;
  private readonly factor: number;
  private readonly decay: number;

  constructor(private readonly o: AdaptiveTimeoutOptions) {
    if (o.maxMs < o.floorMs) throw new Error(`maxMs ${o.maxMs} is below floorMs ${o.floorMs}`);
    this.factor = o.factor ?? 2;
    this.decay = o.decay ?? 0.2;
  }

  /** the limit for the next call */
  get timeoutMs(): number {
    return Math.round(Math.min(this.o.maxMs, Math.max(this.o.floorMs, this.factor * this.mark)));
  }

  get maxMs(): number {
    return this.o.maxMs;
  }

  /** the recent latency high-water mark (ms) */
  get latencyMarkMs(): number {
    return Math.round(this.mark);
  }

  /** an answer (success or an upstream error) came after `latencyMs` */
  observe(latencyMs: number): void {
    this.mark = latencyMs >= this.mark ? latencyMs : this.mark + (latencyMs - this.mark) * this.decay;
  }

  /** a call ran into its limit `limitMs` */
  timedOut(limitMs: number): void {
    this.mark = Math.max(this.mark, limitMs);
  }
}
