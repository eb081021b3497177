import { UpstreamError } from '@app/contracts';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { outcomeFor, retryDelayMs, settleJob } from './job-outcome';

const up = (kind: ConstructorParameters<typeof UpstreamError>[1], retryAfterMs?: number) =>
  new UpstreamError('douyin', kind, `${kind} happened`, retryAfterMs === undefined ? {} : { retryAfterMs });

describe('outcomeFor: the one error → job outcome table', () => {
  it.each([
    ['rate_limited with a hint', up('rate_limited', 700), 'row', { kind: 'delay', ms: 700 }],
    ['rate_limited with a hint', up('rate_limited', 700), 'queue', { kind: 'delay', ms: 700 }],
    ['circuit_open without a hint, row clock: backoff in the attempt', up('circuit_open'), 'row', { kind: 'delay', ms: 4000 }],
    ['circuit_open without a hint, queue clock: 1 s', up('circuit_open'), 'queue', { kind: 'delay', ms: 1000 }],
    ['retryable, row clock: delay, no attempt spent', up('retryable'), 'row', { kind: 'delay', ms: 4000 }],
    ['retryable, queue clock: BullMQ backoff', up('retryable'), 'queue', { kind: 'retry' }],
    ['auth_expired, row clock: fails (the inbox retries it)', up('auth_expired'), 'row', { kind: 'failed' }],
    ['auth_expired, queue clock: retried', up('auth_expired'), 'queue', { kind: 'retry' }],
    ['permanent', up('invalid_request'), 'row', { kind: 'failed' }],
    ['permanent', up('invalid_request'), 'queue', { kind: 'failed' }],
    ['not an UpstreamError', new Error('connection terminated'), 'row', { kind: 'retry' }],
    ['not an UpstreamError', new Error('connection terminated'), 'queue', { kind: 'retry' }],
  ] as const)('%s (%s clock)', (_name, error, clock, expected) => {
    expect(outcomeFor(error, { attempt: 3, clock })).toMatchObject(expected);
  });

  it('names the step and the error kind in the reason, told by the given describe', () => {
    expect(outcomeFor(up('invalid_request'), { attempt: 1, clock: 'row', prefix: 'ERP: ' })).toEqual({ kind: 'failed', reason: 'ERP: invalid_request: douyin: invalid_request: invalid_request happened' });
    expect(outcomeFor(up('retryable'), { attempt: 1, clock: 'row', describe: () => 'timeout: 5 s' })).toMatchObject({ reason: 'timeout: 5 s' });
  });

  it('a queue-clock kind of work may wait longer than 1 s for an unhinted throttle', () => {
    expect(outcomeFor(up('rate_limited'), { attempt: 1, clock: 'queue', throttleDelayMs: 5000 })).toMatchObject({ kind: 'delay', ms: 5000 });
  });

  it('retryDelayMs: the hint, else 1 s doubling per attempt, capped at 10 s', () => {
    expect([1, 2, 3, 4, 5, 9].map((a) => retryDelayMs(null, a))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryDelayMs(up('rate_limited', 250), 5)).toBe(250);
  });
});

describe('settleJob', () => {
  const job = () => {
    const moved: number[] = [];
    return { moved, job: { moveToDelayed: async (at: number) => void moved.push(at) } as unknown as Job };
  };

  it('done returns the result', async () => {
    await expect(settleJob(job().job, 't', { kind: 'done', result: { platformProductId: 'p1' } })).resolves.toEqual({ platformProductId: 'p1' });
  });
  it('delay moves the job to delayed and throws DelayedError (no attempt spent)', async () => {
    const j = job();
    const before = Date.now();
    await expect(settleJob(j.job, 't', { kind: 'delay', ms: 500, reason: 'throttled' })).rejects.toBeInstanceOf(DelayedError);
    expect(j.moved[0]).toBeGreaterThanOrEqual(before + 500);
  });
  it('retry rethrows the cause for BullMQ backoff; failed throws UnrecoverableError', async () => {
    const cause = new Error('boom');
    await expect(settleJob(job().job, 't', { kind: 'retry', reason: 'x', cause })).rejects.toBe(cause);
    await expect(settleJob(job().job, 't', { kind: 'failed', reason: 'gone' })).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
