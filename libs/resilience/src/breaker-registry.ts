import CircuitBreaker from 'opossum';
import { UpstreamError, isUpstreamError, type UpstreamErrorKind } from '@app/contracts';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerOptions {
  /** the axios timeout of the calls this breaker guards; the breaker times out a little later */
  requestTimeoutMs: number;
  /** how much later than requestTimeoutMs the breaker gives up (default 500 ms) */
  timeoutSlackMs?: number;
  /** how long an open breaker rejects before letting one trial call through (default 30 s) */
  resetTimeoutMs?: number;
  /** failure percentage inside the rolling window that opens the breaker (default 50) */
  errorThresholdPercentage?: number;
  /** minimum calls in the rolling window before the breaker may open (default 10) */
  volumeThreshold?: number;
  /** rolling statistics window (default 10 s) */
  rollingCountTimeoutMs?: number;
  /**
   * a call that succeeds but takes longer than this counts as a failure (its result is still returned): an
   * upstream answering ever slower opens the breaker before it stops answering. Default: off.
   */
  slowCallMs?: number;
  /**
   * this many failures in a row (timeouts, slow calls, errors) open the breaker whatever the volume in the
   * window: at a few calls a minute the rate rule's volumeThreshold is never reached. Default: off.
   */
  consecutiveFailures?: number;
}

/** why a breaker opened: timeouts and slow calls (the upstream is slow) or errors (it is down or failing) */
export type BreakerOpenCause = 'timeouts' | 'errors';

/** a breaker changed state (for logs); `cause` is set when it opened */
export type BreakerStateListener = (change: { key: string; state: BreakerState; cause: BreakerOpenCause | null }) => void;

/** the code of a timeout UpstreamError (ours: the HTTP time limit, or the breaker's) */
export function isTimeoutError(e: unknown): boolean {
  return isUpstreamError(e) && (e.details.code === 'ETIMEDOUT' || e.details.code === 'ECONNABORTED');
}

/** a successful call slower than slowCallMs, thrown through opossum so that it counts as a failure */
class SlowCall {
  constructor(readonly value: unknown) {}
}

/**
 * Error kinds that say nothing about the upstream's health: they never count as failures.
 * rate_limited is included: flow control is the platform working as designed, and it has its own
 * retryAfterMs; counting it would turn a short ban into a long open breaker.
 */
const HEALTHY_KINDS: ReadonlySet<UpstreamErrorKind> = new Set<UpstreamErrorKind>([
  'invalid_request',
  'not_found',
  'auth_expired',
  'auth_revoked',
  'rate_limited',
]);

export function isHealthyFailure(error: unknown): boolean {
  return isUpstreamError(error) && HEALTHY_KINDS.has(error.kind);
}

type Action = (fn: () => Promise<unknown>) => Promise<unknown>;

interface Entry {
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  upstream: string;
  openedAt: number | null;
  /** failures since the last success */
  inARow: number;
  /** what the last failure was, and so why the breaker opened */
  lastCause: BreakerOpenCause;
}

/** Upstream name for errors and metrics: the key's first segment (`douyin:<shopId>` -> `douyin`). */
export function upstreamOfKey(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i);
}

/**
 * One opossum breaker per key (`douyin:<shopId>`, `erp:<name>`), built on first use and reused.
 * `exec` runs a call through the key's breaker; an open breaker rejects with
 * UpstreamError('circuit_open', retryAfterMs = time left until half-open, code `open_after_timeouts` /
 * `open_after_errors`) without running the call.
 *
 * Opossum opens on a failure rate (errorThresholdPercentage of the calls in its rolling window, once the window
 * holds volumeThreshold calls). Two additions for upstreams called a few times a minute, where that volume is
 * never reached: `consecutiveFailures` opens after that many failures in a row, and `slowCallMs` counts a
 * success slower than it as a failure (the caller still gets the result).
 */
export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly opts: Required<Omit<BreakerOptions, 'slowCallMs' | 'consecutiveFailures'>> & Pick<BreakerOptions, 'slowCallMs' | 'consecutiveFailures'>;
  private readonly listeners = new Set<BreakerStateListener>();

  constructor(options: BreakerOptions) {
    this.opts = {
      requestTimeoutMs: options.requestTimeoutMs,
      timeoutSlackMs: options.timeoutSlackMs ?? 500,
      resetTimeoutMs: options.resetTimeoutMs ?? 30_000,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 10,
      rollingCountTimeoutMs: options.rollingCountTimeoutMs ?? 10_000,
      slowCallMs: options.slowCallMs,
      consecutiveFailures: options.consecutiveFailures,
    };
  }

  async exec<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const entry = this.entry(key);
    try {
      return (await entry.breaker.fire(fn)) as T;
    } catch (e) {
      if (e instanceof SlowCall) return e.value as T;
      throw this.translate(entry, key, e);
    }
  }

  /** calls `listener` on every state change of every breaker of this registry; returns the unsubscribe */
  onStateChange(listener: BreakerStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  state(key: string): BreakerState {
    const entry = this.entries.get(key);
    if (!entry) return 'closed';
    return stateOf(entry.breaker);
  }

  /** every breaker's state, for metrics (label by upstreamOfKey(key), never by the full key) */
  states(): { key: string; upstream: string; state: BreakerState }[] {
    return [...this.entries.entries()].map(([key, e]) => ({ key, upstream: e.upstream, state: stateOf(e.breaker) }));
  }

  /** open breakers per upstream (every upstream this registry has seen, 0 when none is open) */
  openCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.states()) counts.set(s.upstream, (counts.get(s.upstream) ?? 0) + (s.state === 'open' ? 1 : 0));
    return counts;
  }

  /** ms until an open breaker lets a trial call through; 0 when not open */
  retryAfterMs(key: string): number {
    const entry = this.entries.get(key);
    if (!entry || !entry.breaker.opened || entry.openedAt === null) return 0;
    return Math.max(0, entry.openedAt + this.opts.resetTimeoutMs - Date.now());
  }

  shutdown(): void {
    for (const e of this.entries.values()) e.breaker.shutdown();
    this.entries.clear();
  }

  /** Nest lifecycle hook (the registry is usually a provider). */
  onModuleDestroy(): void {
    this.shutdown();
  }

  private entry(key: string): Entry {
    const existing = this.entries.get(key);
    if (existing) return existing;
    const slowCallMs = this.opts.slowCallMs;
    const action: Action =
      slowCallMs === undefined
        ? (fn) => fn()
        : async (fn) => {
            const started = Date.now();
            const value = await fn();
            if (Date.now() - started > slowCallMs) throw new SlowCall(value);
            return value;
          };
    const breaker = new CircuitBreaker(action, {
      name: key,
      timeout: this.opts.requestTimeoutMs + this.opts.timeoutSlackMs,
      resetTimeout: this.opts.resetTimeoutMs,
      errorThresholdPercentage: this.opts.errorThresholdPercentage,
      volumeThreshold: this.opts.volumeThreshold,
      rollingCountTimeout: this.opts.rollingCountTimeoutMs,
      errorFilter: isHealthyFailure,
    });
    const entry: Entry = { breaker, upstream: upstreamOfKey(key), openedAt: null, inARow: 0, lastCause: 'errors' };
    const tell = (state: BreakerState) => {
      for (const l of this.listeners) l({ key, state, cause: state === 'open' ? entry.lastCause : null });
    };
    breaker.on('open', () => {
      entry.openedAt = Date.now();
      tell('open');
    });
    breaker.on('halfOpen', () => tell('halfOpen'));
    breaker.on('close', () => {
      entry.openedAt = null;
      tell('closed');
    });
    breaker.on('success', () => {
      entry.inARow = 0;
    });
    // runs inside opossum's 'failure' emit, before its own rate check (open() on an open breaker does nothing)
    breaker.on('failure', (err: unknown) => {
      entry.inARow += 1;
      // opossum's own timeout rejects with a plain error coded ETIMEDOUT
      const timedOut = isTimeoutError(err) || (err as { code?: unknown } | null)?.code === 'ETIMEDOUT';
      entry.lastCause = err instanceof SlowCall || timedOut ? 'timeouts' : 'errors';
      const n = this.opts.consecutiveFailures;
      if (n !== undefined && entry.inARow >= n && breaker.closed) breaker.open();
    });
    this.entries.set(key, entry);
    return entry;
  }

  private translate(entry: Entry, key: string, e: unknown): unknown {
    if (isUpstreamError(e)) return e;
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'EOPENBREAKER') {
      // half-open with its one trial call in flight also rejects: ask for a short wait then
      const retryAfterMs = Math.max(this.retryAfterMs(key), 100);
      return new UpstreamError(entry.upstream, 'circuit_open', `circuit open for ${key}`, {
        retryAfterMs,
        code: `open_after_${entry.lastCause}`,
      });
    }
    if (code === 'ETIMEDOUT') return new UpstreamError(entry.upstream, 'retryable', `breaker timeout for ${key}`, { code: 'ETIMEDOUT' });
    if (code === 'ESEMLOCKED') return new UpstreamError(entry.upstream, 'retryable', `too many concurrent calls for ${key}`, { code: 'ESEMLOCKED' });
    return e;
  }
}

function stateOf(b: CircuitBreaker<any, any>): BreakerState {
  if (b.opened) return 'open';
  if (b.halfOpen) return 'halfOpen';
  return 'closed';
}
