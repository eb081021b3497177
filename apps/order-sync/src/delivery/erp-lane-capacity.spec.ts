import { UpstreamError } from '@app/contracts';
import { ErpLaneCapacity } from './erp-lane-capacity';

const calls = { maxInFlight: 32, timeoutMs: 15_000, timeoutMaxMs: 25_000, slowCallMs: 20_000 };

/** a capacity on a hand-driven clock */
function capacity(over: Partial<typeof calls> = {}) {
  const clock = { t: 0 };
  return { sut: new ErpLaneCapacity({ ...calls, ...over }, () => clock.t), clock };
}

describe(ErpLaneCapacity.name, () => {
  it('starts at 4 calls in flight (or the maximum when lower)', () => {
    expect(capacity().sut.limiter.limit).toBe(4);
    expect(capacity({ maxInFlight: 2 }).sut.limiter.limit).toBe(2);
  });

  it('leases rows for the call limit plus 5 s, never below the configured lease', () => {
    const { sut } = capacity();
    expect(sut.leaseSec(15)).toBe(20);
    expect(sut.leaseSec(15, 24_000)).toBe(29);
    expect(sut.leaseSec(60, 24_000)).toBe(60);
  });

  it('a slow answer stretches the next time limit; a success slower than slowCallMs is "slow" (the limit holds)', () => {
    const { sut, clock } = capacity();
    const call = sut.begin();
    clock.t += 12_000;
    expect(sut.finish(call, null)).toBe('success');
    expect(sut.timeout.timeoutMs).toBe(24_000);
    const slow = sut.begin();
    clock.t += 21_000;
    expect(sut.finish(slow, null)).toBe('slow');
  });

  it.each([
    [new UpstreamError('erp', 'retryable', 'timeout: total time limit of 15000 ms exceeded', { code: 'ETIMEDOUT' }), 'drop'],
    [new UpstreamError('erp', 'retryable', 'HTTP 503', { status: 503 }), 'drop'],
    [new UpstreamError('erp', 'rate_limited', 'HTTP 429', { retryAfterMs: 1000 }), 'drop'],
    [new UpstreamError('erp', 'circuit_open', 'circuit open', { retryAfterMs: 1000, code: 'open_after_errors' }), 'ignore'],
    [new UpstreamError('erp', 'invalid_request', 'HTTP 400'), 'ignore'],
    [new Error('bug'), 'ignore'],
  ])('a call failing with %s is a %s', (error, outcome) => {
    const { sut } = capacity();
    expect(sut.finish(sut.begin(), error)).toBe(outcome);
    expect(sut.limiter.limit).toBe(outcome === 'drop' ? 2 : 4);
  });

  it('a timeout raises the next limit to twice the one it ran with (up to the maximum)', () => {
    const { sut, clock } = capacity({ timeoutMs: 5_000 });
    const call = sut.begin();
    clock.t += 5_000;
    sut.finish(call, new UpstreamError('erp', 'retryable', 'timeout: total time limit of 5000 ms exceeded', { code: 'ETIMEDOUT' }));
    expect(sut.timeout.timeoutMs).toBe(10_000);
  });
});
