import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { describeError, isUpstreamError } from '@app/contracts';

/**
 * What a service decided for one job; `settleJob` turns it into BullMQ terms. The one outcome type of every
 * processor in every app (ADR 0005).
 */
export type JobOutcome<R = void> =
  | { kind: 'done'; result?: R }
  /**
   * a dependency is down or throttling, or the work is not due yet: wait without burning an attempt. `later`: a
   * refresh of an order the ERP already has, which waits behind first fetches of new orders (BullMQ priority)
   * when it is re-queued
   */
  | { kind: 'delay'; ms: number; reason: string; later?: boolean }
  /** transient, and BullMQ's attempts are the retry clock: the job fails this attempt and BullMQ's backoff retries it */
  | { kind: 'retry'; reason: string; cause?: unknown }
  /** permanent: fail without retries (the service has stored the reason on its row where it has one) */
  | { kind: 'failed'; reason: string };

export const DONE: JobOutcome<never> = { kind: 'done' };

/**
 * Who counts the attempts of a kind of work — there is one retry clock per kind (ADR 0005):
 * - `row`: the row the job points at counts them (outbox, shipments, the poll cursor): a transient failure
 *   waits `retryDelayMs(attempt)` without burning a BullMQ attempt, and the row's own limit ends it;
 * - `queue`: nothing but the job counts them (stock pushes, publishes, price tiers): BullMQ's backoff retries
 *   it within the queue's attempts (QUEUE_JOB_OPTIONS).
 */
export type RetryClock = 'row' | 'queue';

/**
 * The one table from an error to a job outcome:
 *
 * | error                                   | row clock                          | queue clock        |
 * |-----------------------------------------|------------------------------------|--------------------|
 * | rate_limited, circuit_open (throttling) | delay (its hint, else backoff)     | delay (its hint, else 1 s) |
 * | retryable (5xx, timeout, busy)          | delay retryDelayMs(attempt)        | retry (BullMQ backoff) |
 * | auth_expired                            | failed (the inbox shows it, retry there) | retry (another process's token refresh may land) |
 * | any other upstream kind (permanent)     | failed                             | failed             |
 * | not an UpstreamError (a bug, a database error) | retry (BullMQ backoff)      | retry              |
 *
 * `prefix` names the step ("ERP shipment notice: ") in the reason; `throttleDelayMs` is the wait when a
 * throttling error gives no hint and the queue counts (1 s unless the kind of work says otherwise).
 */
export interface OutcomeContext {
  /** the attempt that failed (1-based; the row's count for the row clock) */
  attempt: number;
  clock: RetryClock;
  prefix?: string;
  throttleDelayMs?: number;
  /** how the reason is told (default describeError) */
  describe?: (e: unknown) => string;
}

export function outcomeFor(error: unknown, ctx: OutcomeContext): JobOutcome<never> {
  const reason = `${ctx.prefix ?? ''}${(ctx.describe ?? describeError)(error)}`;
  const row = ctx.clock === 'row';
  if (!isUpstreamError(error)) return { kind: 'retry', reason, cause: error };
  if (error.kind === 'rate_limited' || error.kind === 'circuit_open') {
    return { kind: 'delay', ms: row ? retryDelayMs(error, ctx.attempt) : (error.retryAfterMs ?? ctx.throttleDelayMs ?? 1000), reason };
  }
  if (error.kind === 'retryable') return row ? { kind: 'delay', ms: retryDelayMs(error, ctx.attempt), reason } : { kind: 'retry', reason, cause: error };
  if (error.kind === 'auth_expired' && !row) return { kind: 'retry', reason, cause: error };
  return { kind: 'failed', reason };
}

/** Retry delay for an upstream failure: its own hint first, then exponential in the attempt count, capped. */
export function retryDelayMs(e: unknown, attempt: number): number {
  const hinted = isUpstreamError(e) ? e.retryAfterMs : undefined;
  if (hinted !== undefined && hinted > 0) return hinted;
  // capped at 10 s: after an outage the backlog drains within seconds of recovery (the SLA is 30 s)
  return Math.min(1000 * 2 ** Math.max(attempt - 1, 0), 10_000);
}

/**
 * The one settle: done returns the result; delay moves the job to delayed with `DelayedError` (attemptsMade
 * unchanged); retry throws (BullMQ's backoff, an attempt spent); failed throws `UnrecoverableError` (no retries).
 */
export async function settleJob<R>(job: Job, token: string | undefined, outcome: JobOutcome<R>): Promise<R | undefined> {
  switch (outcome.kind) {
    case 'done':
      return outcome.result;
    case 'failed':
      throw new UnrecoverableError(outcome.reason);
    case 'retry':
      throw outcome.cause instanceof Error ? outcome.cause : new Error(outcome.reason);
    case 'delay':
      await job.moveToDelayed(Date.now() + Math.max(outcome.ms, 1), token);
      throw new DelayedError(outcome.reason);
  }
}

export { describeError };
