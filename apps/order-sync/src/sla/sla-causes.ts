import { LOCAL_QPS_LIMIT, RATE_LIMITER_STORE_FAILED } from '@app/resilience';

/** Why an order was late, as the SLA ledger records it (sla_events.cause, the sla_events_total label). */
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

/** describeError of an UpstreamError: `<kind>: <upstream>: <kind>: <message>`; anything else is our own failure */
const UPSTREAM_FAILURE = /^(retryable|rate_limited|circuit_open|auth_expired|auth_revoked|invalid_request|not_found): /;

/**
 * The ERP's part, from its last failure on the row: a timeout (ours or the breaker's) is erp_slow; an open
 * breaker says only that the ERP failed before, so it keeps what the warning saw (erp_slow) and is erp_down
 * otherwise; any other answer (5xx, refused, bad gateway) is erp_down. Our own errors (no ERP answer) say nothing.
 */
function erpCause(error: string, earlier: SlaCause | null): SlaCause | null {
  if (!UPSTREAM_FAILURE.test(error)) return null;
  if (/timeout/i.test(error)) return 'erp_slow';
  if (error.startsWith('circuit_open:')) return earlier === 'erp_slow' ? 'erp_slow' : 'erp_down';
  return 'erp_down';
}

/**
 * The platform's part, from the last fetch failure: our own per-shop limiter refusing (the platform quota we
 * keep to is the ceiling) is platform_quota, the platform throttling us platform_throttled, the platform
 * breaker open breaker_open, the limiter's Redis not answering redis_unavailable.
 */
function platformCause(error: string): SlaCause | null {
  if (error.includes(RATE_LIMITER_STORE_FAILED)) return 'redis_unavailable';
  if (error.startsWith('rate_limited:')) return error.includes(LOCAL_QPS_LIMIT) ? 'platform_quota' : 'platform_throttled';
  if (error.startsWith('circuit_open:')) return 'breaker_open';
  return null;
}

/** the dependency that was out longest during [from, to] (outages of at least MIN_OUTAGE_MS), if any */
export function outageDuring(outages: readonly Outage[], from: number, to: number, now: number = Date.now()): Dependency | null {
  const overlap = new Map<Dependency, number>();
  for (const o of outages) {
    const end = o.endedAt ?? now;
    if (end - o.startedAt < MIN_OUTAGE_MS) continue;
    const ms = Math.min(end, to) - Math.max(o.startedAt, from);
    if (ms > 0) overlap.set(o.dependency, (overlap.get(o.dependency) ?? 0) + ms);
  }
  let best: Dependency | null = null;
  for (const [d, ms] of overlap) if (best === null || ms > overlap.get(best)!) best = d;
  return best;
}

/**
 * Why an order is late, first match wins: Redis or Postgres out during its wait (nothing moves then: no job
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
