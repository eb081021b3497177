import { erpFailureClass } from '@app/erp';
import { AdaptiveTimeout, AimdLimiter, type CallOutcome, type CallTicket } from '@app/resilience';
import type { ErpLaneCalls } from './erp-lanes';

/** the limit a lane starts with: a fast ERP needs about one call in flight at 60 orders/s */
const INITIAL_LIMIT = 4;
/** the lease covers the call's limit plus this (claim to result written) */
const LEASE_SLACK_MS = 5000;

/** one ERP call under way: what `finish` needs */
export interface LaneCall {
  readonly ticket: CallTicket;
  readonly timeoutMs: number;
  readonly startedAt: number;
}

/**
 * How much one merchant's ERP gets in this process: an AIMD limit on calls in flight (libs/resilience
 * AimdLimiter, bounded by the lane's maxInFlight) and a time limit from its latency (AdaptiveTimeout within
 * [timeoutMs, timeoutMaxMs]). A slow ERP that answers gets more calls in flight, each with time enough to
 * answer; timeouts, 5xx / network failures and 429s take calls away; an open breaker and our own mistakes
 * say nothing about capacity. The delivery gates its GroupCommitter on `limiter.limit` and calls `probe` on a
 * timer while jobs wait.
 */
export class ErpLaneCapacity {
  readonly limiter: AimdLimiter;
  readonly timeout: AdaptiveTimeout;

  constructor(
    readonly calls: ErpLaneCalls,
    private readonly now: () => number = Date.now,
  ) {
    this.limiter = new AimdLimiter({ initial: Math.min(INITIAL_LIMIT, calls.maxInFlight), max: calls.maxInFlight, now });
    this.timeout = new AdaptiveTimeout({ floorMs: calls.timeoutMs, maxMs: calls.timeoutMaxMs });
  }

  /**
   * How long a claim leases its rows: longer than the call may take (its limit) plus the writes after it, so no
   * other worker claims a row whose answer is still on its way; never below the configured lease.
   */
  leaseSec(minSec: number, timeoutMs: number = this.timeout.timeoutMs): number {
    return Math.max(minSec, Math.ceil((timeoutMs + LEASE_SLACK_MS) / 1000));
  }

  /** a call goes out with this time limit (read before the claim, whose lease it sets) */
  begin(timeoutMs: number = this.timeout.timeoutMs): LaneCall {
    return { ticket: this.limiter.start(), timeoutMs, startedAt: this.now() };
  }

  /** the call answered (`error` null) or failed; returns what it told the limiter */
  finish(call: LaneCall, error: unknown): CallOutcome {
    const latency = this.now() - call.startedAt;
    const outcome = this.outcomeOf(error, latency);
    if (error === null) this.timeout.observe(latency);
    else if (erpFailureClass(error) === 'timeout') this.timeout.timedOut(call.timeoutMs);
    this.limiter.end(call.ticket, outcome);
    return outcome;
  }

  /** an interception or other ungated call's answer still teaches the time limit */
  observe(latencyMs: number, error: unknown, timeoutMs: number): void {
    if (error === null) this.timeout.observe(latencyMs);
    else if (erpFailureClass(error) === 'timeout') this.timeout.timedOut(timeoutMs);
  }

  private outcomeOf(error: unknown, latency: number): CallOutcome {
    if (error === null) return latency > this.calls.slowCallMs ? 'slow' : 'success';
    switch (erpFailureClass(error)) {
      case 'timeout':
      case 'unavailable':
      case 'rate_limited':
        return 'drop';
      default:
        return 'ignore';
    }
  }
}
