import type { DownMode, FaultKind } from './types';

export interface FaultSettings {
  latencyMs: number;
  /** 0..1: share of business calls answered with the platform's busy error */
  errorRate: number;
  down: DownMode;
  /** 0..1: share of push messages silently dropped (never delivered) */
  pushDropRate: number;
}

export const FAULT_KINDS: readonly FaultKind[] = ['busy', 'rate_limited', 'token_expired', 'auth_revoked', 'invalid_request'];

/** Where a queued fault hits a call: before it runs (nothing happens), or after it ran (the answer is lost). */
export type FaultPhase = 'before' | 'after';

export interface FailNextOptions {
  /** only calls of this API method; default every business call */
  method?: string;
  /**
   * 'after': the call is executed (its effects stay) and then answered with the fault, like a platform
   * that committed a create but whose answer never arrived. Default 'before'.
   */
  phase?: FaultPhase;
  /** let this many targeted calls through first (e.g. 1: fail the second createSkuV2); default 0 */
  skip?: number;
}

export interface QueuedFault<K> {
  fault: K;
  remaining: number;
  method: string | null;
  phase: FaultPhase;
  skip: number;
}

/**
 * "Fail the next N calls (of method M, at phase P, after letting S through) with X": a queue of one-shot
 * faults. The simulators' FaultInjector and the contract tests' nock backends share it.
 */
export class TargetedFaults<K> {
  private queue: QueuedFault<K>[] = [];

  push(fault: K, times: number, opts: FailNextOptions = {}): void {
    this.queue.push({ fault, remaining: times, method: opts.method ?? null, phase: opts.phase ?? 'before', skip: opts.skip ?? 0 });
  }

  /** the fault for this call at this phase, if any: consumes one from the first queued entry that targets it */
  take(method: string | null, phase: FaultPhase): K | null {
    const targets = (q: QueuedFault<K>) => q.phase === phase && (q.method === null || q.method === method);
    // a skipping entry lets this call through (and counts it); no other entry takes the call
    const waiting = this.queue.find((q) => targets(q) && q.skip > 0);
    if (waiting) {
      waiting.skip--;
      return null;
    }
    const i = this.queue.findIndex(targets);
    if (i < 0) return null;
    const hit = this.queue[i];
    if (--hit.remaining <= 0) this.queue.splice(i, 1);
    return hit.fault;
  }

  pending(): QueuedFault<K>[] {
    return this.queue.map((q) => ({ ...q }));
  }

  clear(): void {
    this.queue = [];
  }
}

/** Injected faults: settings plus a queue of "fail the next N business calls (of method M) with X". */
export class FaultInjector {
  settings: FaultSettings = { latencyMs: 0, errorRate: 0, down: false, pushDropRate: 0 };
  private readonly queue = new TargetedFaults<FaultKind>();

  set(patch: Partial<FaultSettings>): FaultSettings {
    if (patch.errorRate !== undefined && (patch.errorRate < 0 || patch.errorRate > 1)) throw new Error('errorRate must be within 0..1');
    if (patch.pushDropRate !== undefined && (patch.pushDropRate < 0 || patch.pushDropRate > 1)) throw new Error('pushDropRate must be within 0..1');
    if (patch.latencyMs !== undefined && patch.latencyMs < 0) throw new Error('latencyMs must be >= 0');
    if (patch.down !== undefined && patch.down !== false && patch.down !== 'refused' && patch.down !== '503') throw new Error("down must be false, 'refused' or '503'");
    this.settings = { ...this.settings, ...patch };
    return this.settings;
  }

  failNext(fault: FaultKind, times = 1, opts: FailNextOptions = {}): void {
    if (!FAULT_KINDS.includes(fault)) throw new Error(`unknown fault ${String(fault)}`);
    if (!Number.isInteger(times) || times < 1) throw new Error('times must be a positive integer');
    if (opts.method !== undefined && (typeof opts.method !== 'string' || opts.method.trim() === '')) throw new Error('method must be a non-empty API method name');
    if (opts.phase !== undefined && opts.phase !== 'before' && opts.phase !== 'after') throw new Error("phase must be 'before' or 'after'");
    if (opts.skip !== undefined && (!Number.isInteger(opts.skip) || opts.skip < 0)) throw new Error('skip must be a non-negative integer');
    this.queue.push(fault, times, opts);
  }

  /**
   * The fault to apply to this business call at this phase, if any (consumes one from the first queued
   * entry that targets the call). Only the 'before' phase draws from the random errorRate.
   */
  nextFault(method: string | null = null, phase: FaultPhase = 'before', random: () => number = Math.random): FaultKind | null {
    const queued = this.queue.take(method, phase);
    if (queued) return queued;
    if (phase === 'before' && this.settings.errorRate > 0 && random() < this.settings.errorRate) return 'busy';
    return null;
  }

  pending(): QueuedFault<FaultKind>[] {
    return this.queue.pending();
  }

  reset(): void {
    this.settings = { latencyMs: 0, errorRate: 0, down: false, pushDropRate: 0 };
    this.queue.clear();
  }
}
