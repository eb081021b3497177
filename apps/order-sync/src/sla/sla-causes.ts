/** Why an order was late, as the SLA ledger records it (sla_events.cause, the omnisync_sla_events_total label). */
export const SLA_CAUSES = [
  'redis_unavailable',
  'postgres_unavailable',
  'push_lost',
  'platform_throttled',
  'platform_quota',
  'erp_down',
  'erp_slow',
  'breaker_open',
  'backlog',
] as const;
export type SlaCause = (typeof SLA_CAUSES)[number];

export type Dependency = 'redis' | 'postgres';

/** A span during which a process's probes of Redis / Postgres failed (ms since epoch; endedAt null: still out). */
export interface Outage {
  dependency: Dependency;
  startedAt: number;
  endedAt: number | null;
}

/** shorter outages (one slow probe under load) say nothing about why an order waited */
export const MIN_OUTAGE_MS = 1000;

/** What Postgres (and the process) show about one late order. */
export interface SlaEvidence {
  /** last_error of the order's push outbox row: the ERP's last failure on it */
  erpError: string | null;
  /** last_error of an inbox message of the order: the platform's last failure while fetching it */
  platformError: string | null;
  /** the order was stored without any push message for it having arrived before: the poller found it */
  foundByPoll: boolean;
  /** the cause recorded for the order's warning, while it waited */
  earlier: SlaCause | null;
  /** the wait: clock start to the ack (or now, while it still waits), ms since epoch */
  waitFrom: number;
  waitTo: number;
}

/**
 * A failure an upstream answered (or failed to answer) with, as stored in last_error: describeError's
 * `<kind>: <upstream>: <kind>: <message>`, or the ERP delivery's classified texts (`timeout:`, `unavailable:`,
 * `circuit_open: after timeouts|errors:`). `error: ...` is our own failure, no upstream answer in it.
 */
const UPSTREAM_FAILURE = /^(retryable|rate_limited|circuit_open|auth_expired|auth_revoked|invalid_request|not_found|timeout|unavailable|platform_quota): /;

/**
 * The ERP's part, from its last failure on the row: no answer in time (a timeout, ours or the breaker's) or its
 * flow control is erp_slow; an open breaker is what opened it (`after timeouts` erp_slow, `after errors`
 * erp_down) or, when the text does not say, what the warning saw (erp_slow) or erp_down; any other answer (5xx,
 * refused connection, a refusal) is erp_down.
 */
function erpCause(error: string, earlier: SlaCause | null): SlaCause | null {
  if (!UPSTREAM_FAILURE.test(error)) return null;
  if (error.startsWith('circuit_open:')) {
    if (error.startsWith('circuit_open: after timeouts:')) return 'erp_slow';
    if (error.startsWith('circuit_open: after errors:')) return 'erp_down';
    return earlier === 'erp_slow' ? 'erp_slow' : 'erp_down';
  }
  if (error.startsWith('timeout:') || error.startsWith('rate_limited:') || /^retryable: .*timeout/i.test(error)) return 'erp_slow';
  return 'erp_down';
}

/**
 * The platform's part, from the last fetch failure: our own per-shop limiter refusing — the platform quota we
 * keep to is the ceiling — is platform_quota (stored as `platform_quota: ...`, or as a `rate_limited:` naming
 * the `local QPS limit`); the platform throttling us platform_throttled; the platform breaker open
 * breaker_open; the limiter's Redis not answering (`rate limiter store failed`) redis_unavailable.
 */
function platformCause(error: string): SlaCause | null {
  if (error.includes('rate limiter store failed')) return 'redis_unavailable';
  if (error.startsWith('platform_quota:')) return 'platform_quota';
  if (error.startsWith('rate_limited:')) return error.includes('local QPS limit') ? 'platform_quota' : 'platform_throttled';
  if (error.startsWith('circuit_open:')) return 'breaker_open';
  return null;
}

/**
 * An outage's effect outlasts its last failed probe: the probe opens a fresh connection, while the apps' pools
 * reconnect after it; a push the platform could not deliver waits out its retry backoff; the backlog the outage
 * left drains before what came after it. So an outage counts for waits that overlap it or the tail after it:
 * as long as the outage itself (draining at twice the arrival rate takes about that long), at least
 * RECOVERY_TAIL_MIN_MS, at most RECOVERY_TAIL_MAX_MS. (CI saw it: an order paid 1–2 s after a 6 s Postgres stop,
 * its push refused by a pool not yet back, found by the next poll past the mark, was counted push_lost.)
 */
export const RECOVERY_TAIL_MIN_MS = 5000;
export const RECOVERY_TAIL_MAX_MS = 60_000;

export function recoveryTailMs(o: Outage, now: number = Date.now()): number {
  const duration = (o.endedAt ?? now) - o.startedAt;
  return Math.min(RECOVERY_TAIL_MAX_MS, Math.max(RECOVERY_TAIL_MIN_MS, duration));
}

/** the dependency that was out longest during [from, to] or its recovery tail (outages of at least MIN_OUTAGE_MS), if any */
export function outageDuring(outages: readonly Outage[], from: number, to: number, now: number = Date.now()): Dependency | null {
  const overlap = new Map<Dependency, number>();
  for (const o of outages) {
    if ((o.endedAt ?? now) - o.startedAt < MIN_OUTAGE_MS) continue;
    const end = o.endedAt === null ? now : o.endedAt + recoveryTailMs(o, now);
    const ms = Math.min(end, to) - Math.max(o.startedAt, from);
    if (ms > 0) overlap.set(o.dependency, (overlap.get(o.dependency) ?? 0) + ms);
  }
  let best: Dependency | null = null;
  for (const [d, ms] of overlap) if (best === null || ms > overlap.get(best)!) best = d;
  return best;
}

/**
 * Why an order is late, first match wins: Redis or Postgres out during its wait or just before it (nothing moves then: no job
 * runs, nothing is written; what the order meets while the backlog drains afterwards — the platform quota, say —
 * is a consequence); the ERP failing on its row; the platform refusing its fetch; what its warning recorded;
 * found by the poller (its push never came); otherwise it waited in line (backlog).
 */
export function slaCause(e: SlaEvidence, outages: readonly Outage[], now: number = Date.now()): SlaCause {
  const out = outageDuring(outages, e.waitFrom, e.waitTo, now);
  if (out) return out === 'redis' ? 'redis_unavailable' : 'postgres_unavailable';
  const fromErp = e.erpError ? erpCause(e.erpError, e.earlier) : null;
  if (fromErp) return fromErp;
  const fromPlatform = e.platformError ? platformCause(e.platformError) : null;
  if (fromPlatform) return fromPlatform;
  if (e.earlier && e.earlier !== 'backlog') return e.earlier;
  return e.foundByPoll ? 'push_lost' : 'backlog';
}
