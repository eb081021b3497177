import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isUpstreamError } from '@app/contracts';

/** What a service decided for one job; the thin processor turns it into BullMQ terms. */
export type JobOutcome =
  | { kind: 'done' }
  /** throttled or breaker open: wait without burning an attempt */
  | { kind: 'delay'; ms: number; reason: string }
  /** permanent: fail without retries */
  | { kind: 'failed'; reason: string };

export const DONE: JobOutcome = { kind: 'done' };

/** moveToDelayed + DelayedError keeps attemptsMade unchanged; UnrecoverableError skips retries. */
export async function settleJob(job: Job, token: string | undefined, outcome: JobOutcome): Promise<void> {
  if (outcome.kind === 'done') return;
  if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.reason);
  await job.moveToDelayed(Date.now() + Math.max(outcome.ms, 1), token);
  throw new DelayedError(outcome.reason);
}

/**
 * Upstream failure -> outcome: rate_limited / circuit_open wait (no attempt spent); permanent kinds fail;
 * retryable (and anything unknown) is rethrown so BullMQ's backoff retries it.
 */
export function outcomeOf(e: unknown): JobOutcome {
  if (!isUpstreamError(e)) throw e;
  if (e.kind === 'rate_limited' || e.kind === 'circuit_open') return { kind: 'delay', ms: e.retryAfterMs ?? 1000, reason: e.message };
  if (e.kind === 'retryable' || e.kind === 'auth_expired') throw e;
  return { kind: 'failed', reason: e.message };
}

// one describeError for every stored failure (bounded, sanitised): libs/contracts
export { describeError } from '@app/contracts';
