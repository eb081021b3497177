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

/** Injected faults: settings plus a queue of "fail the next N business calls with X". */
export class FaultInjector {
  settings: FaultSettings = { latencyMs: 0, errorRate: 0, down: false, pushDropRate: 0 };
  private queue: { fault: FaultKind; remaining: number }[] = [];

  set(patch: Partial<FaultSettings>): FaultSettings {
    if (patch.errorRate !== undefined && (patch.errorRate < 0 || patch.errorRate > 1)) throw new Error('errorRate must be within 0..1');
    if (patch.pushDropRate !== undefined && (patch.pushDropRate < 0 || patch.pushDropRate > 1)) throw new Error('pushDropRate must be within 0..1');
    if (patch.latencyMs !== undefined && patch.latencyMs < 0) throw new Error('latencyMs must be >= 0');
    if (patch.down !== undefined && patch.down !== false && patch.down !== 'refused' && patch.down !== '503') throw new Error("down must be false, 'refused' or '503'");
    this.settings = { ...this.settings, ...patch };
    return this.settings;
  }

  failNext(fault: FaultKind, times = 1): void {
    if (!FAULT_KINDS.includes(fault)) throw new Error(`unknown fault ${String(fault)}`);
    if (!Number.isInteger(times) || times < 1) throw new Error('times must be a positive integer');
    this.queue.push({ fault, remaining: times });
  }

  /** The fault to apply to this business call, if any (consumes one from the queue). */
  nextFault(random: () => number = Math.random): FaultKind | null {
    const head = this.queue[0];
    if (head) {
      head.remaining--;
      if (head.remaining <= 0) this.queue.shift();
      return head.fault;
    }
    if (this.settings.errorRate > 0 && random() < this.settings.errorRate) return 'busy';
    return null;
  }

  pending(): { fault: FaultKind; remaining: number }[] {
    return this.queue.map((q) => ({ ...q }));
  }

  reset(): void {
    this.settings = { latencyMs: 0, errorRate: 0, down: false, pushDropRate: 0 };
    this.queue = [];
  }
}
