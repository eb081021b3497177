import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isUpstreamError } from '@app/contracts';

/** What a service decided for one job; the thin processor turns it into BullMQ terms. */
export type JobOutcome =
  | { kind: 'done' }
  /**
   * a dependency is down or throttling: wait without burning an attempt. `later`: a refresh of an order the ERP
   * already has, which waits behind first fetches of new orders (BullMQ priority) when it is re-queued
   */
  | { kind: 'delay'; ms: number; reason: string; later?: boolean }
  /** permanent: the row is marked failed with the reason; the job fails without retries */
  | { kind: 'failed'; reason: string };

export const DONE: JobOutcome = { kind: 'done' };

/** moveToDelayed + DelayedError keeps attemptsMade unchanged; UnrecoverableError skips retries. */
export async function settleJob(job: Job, token: string | undefined, outcome: JobOutcome): Promise<void> {
  if (outcome.kind === 'done') return;
  if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.reason);
  await job.moveToDelayed(Date.now() + Math.max(outcome.ms, 1), token);
  throw new DelayedError(outcome.reason);
}

/** retry delay for an upstream failure: its own hint first, then exponential in the attempt count, capped */
export function retryDelayMs(e: unknown, attempt: number): number {
  const hinted = isUpstreamError(e) ? e.retryAfterMs : undefined;
  if (hinted !== undefined && hinted > 0) return hinted;
  // capped at 10 s: after an outage the backlog drains within seconds of recovery (the SLA is 30 s)
  return Math.min(1000 * 2 ** Math.max(attempt - 1, 0), 10_000);
}

/** `<kind>: <message>` so the SLA watcher can tell throttling from outages */
// one describeError for every stored failure (bounded, sanitised): libs/contracts
export { describeError } from '@app/contracts';
