import { DelayedError, UnrecoverableError, type Job } from 'bullmq';

/** What the publish service decided for one job; the thin processor turns it into BullMQ terms. */
export type PublishOutcome =
  | { kind: 'done'; platformProductId: string }
  /** rate limited / breaker open / listing busy: wait without burning an attempt */
  | { kind: 'delay'; ms: number; reason: string }
  /** permanent: the listing is marked failed with the reason, no more retries */
  | { kind: 'failed'; reason: string };

/** moveToDelayed + DelayedError keeps attemptsMade unchanged; UnrecoverableError skips retries. */
export async function settlePublishJob(job: Job, token: string | undefined, outcome: PublishOutcome): Promise<{ platformProductId: string }> {
  if (outcome.kind === 'done') return { platformProductId: outcome.platformProductId };
  if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.reason);
  await job.moveToDelayed(Date.now() + Math.max(outcome.ms, 1), token);
  throw new DelayedError(outcome.reason);
}
