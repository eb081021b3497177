import { describeError, UpstreamError } from '@app/contracts';
import { outageDuring, recoveryTailMs, slaCause, type Outage, type SlaEvidence } from './sla-causes';

const T0 = Date.parse('2026-05-01T08:00:00.000Z');
const quiet: SlaEvidence = { erpError: null, platformError: null, foundByPoll: false, earlier: null, waitFrom: T0, waitTo: T0 + 40_000 };
const err = (upstream: string, kind: UpstreamError['kind'], message: string) => describeError(new UpstreamError(upstream, kind, message));

describe(slaCause.name, () => {
  it.each([
    ['an ERP 503', 'erp_down', err('erp', 'retryable', 'HTTP 503: ERP simulator is down')],
    ['an ERP refusing the connection', 'erp_down', err('erp', 'retryable', 'network: connect ECONNREFUSED 10.0.0.1:443')],
    ['an ERP call timing out (ours)', 'erp_slow', err('erp', 'retryable', 'timeout: timeout of 5000ms exceeded')],
    ['an ERP call timing out (the breaker)', 'erp_slow', err('erp', 'retryable', 'breaker timeout for erp:generic-http')],
    ['the ERP breaker open, nothing seen before', 'erp_down', err('erp', 'circuit_open', 'circuit open for erp:generic-http')],
    // the ERP delivery's classified failure texts
    ['no ERP answer in time', 'erp_slow', 'timeout: total time limit of 15000 ms exceeded'],
    ['the ERP unavailable', 'erp_down', 'unavailable: HTTP 503: ERP simulator is down'],
    ['the ERP breaker opened by timeouts', 'erp_slow', 'circuit_open: after timeouts: circuit open for erp:generic-http'],
    ['the ERP breaker opened by errors', 'erp_down', 'circuit_open: after errors: circuit open for erp:generic-http'],
    ['the ERP’s flow control', 'erp_slow', err('erp', 'rate_limited', 'HTTP 429')],
  ])('%s on the outbox row -> %s', (_what, cause, erpError) => {
    expect(slaCause({ ...quiet, erpError }, [])).toBe(cause);
  });

  it('keeps erp_slow from the warning when the breaker opened since', () => {
    expect(slaCause({ ...quiet, erpError: err('erp', 'circuit_open', 'circuit open for erp:x'), earlier: 'erp_slow' }, [])).toBe('erp_slow');
  });

  it.each([
    ['our own per-shop limiter (the platform quota)', 'platform_quota', err('douyin', 'rate_limited', `local QPS limit 50/s reached for douyin:s1`)],
    ['our own per-shop limiter, as stored with its own prefix', 'platform_quota', 'platform_quota: douyin: rate_limited: local QPS limit 50/s reached for douyin:s1'],
    ['the platform throttling us', 'platform_throttled', err('douyin', 'rate_limited', 'isv.traffic-limited: too many calls')],
    ['the platform breaker open', 'breaker_open', err('taobao', 'circuit_open', 'circuit open for taobao:s1')],
    ['the limiter’s Redis not answering', 'redis_unavailable', err('rate-limiter', 'retryable', 'rate limiter store failed: Command timed out')],
  ])('%s on the inbox message -> %s', (_what, cause, platformError) => {
    expect(slaCause({ ...quiet, platformError }, [])).toBe(cause);
  });

  it('takes an outage during the wait first, then the ERP, then the platform', () => {
    const redis: Outage[] = [{ dependency: 'redis', startedAt: T0 + 1000, endedAt: T0 + 20_000 }];
    const quota = err('douyin', 'rate_limited', `local QPS limit 50/s reached for douyin:s1`);
    const erp502 = err('erp', 'retryable', 'HTTP 502');
    // the quota met while the backlog Redis left drains is a consequence of the outage
    expect(slaCause({ ...quiet, erpError: erp502, platformError: quota, foundByPoll: true }, redis)).toBe('redis_unavailable');
    expect(slaCause({ ...quiet, erpError: erp502, platformError: quota }, [])).toBe('erp_down');
    expect(slaCause({ ...quiet, platformError: quota }, [])).toBe('platform_quota');
  });

  it('ignores our own errors on the outbox row (no ERP answer in them)', () => {
    expect(slaCause({ ...quiet, erpError: 'error: Connection terminated unexpectedly' }, [])).toBe('backlog');
  });

  it('names Redis or Postgres when the wait overlaps their outage, whichever was out longer', () => {
    const outages: Outage[] = [
      { dependency: 'redis', startedAt: T0 + 5000, endedAt: T0 + 8000 },
      { dependency: 'postgres', startedAt: T0 + 10_000, endedAt: T0 + 25_000 },
    ];
    expect(slaCause(quiet, outages)).toBe('postgres_unavailable');
    expect(slaCause({ ...quiet, waitTo: T0 + 9000 }, outages)).toBe('redis_unavailable');
    // the order's wait began after both were back, and after the tail of Postgres' 15 s outage
    expect(slaCause({ ...quiet, waitFrom: T0 + 41_000, waitTo: T0 + 60_000 }, outages)).toBe('backlog');
  });

  it('counts an outage for a wait that began in its recovery tail: as long as the outage, 5 s to 60 s', () => {
    const pg = (ms: number): Outage[] => [{ dependency: 'postgres', startedAt: T0, endedAt: T0 + ms }];
    const after = (ms: number, lostPush = true): SlaEvidence => ({ ...quiet, foundByPoll: lostPush, waitFrom: T0 + ms, waitTo: T0 + ms + 40_000 });
    // a 6 s stop: a tail as long as the outage, 6 s
    expect(slaCause(after(6000 + 1500), pg(6000))).toBe('postgres_unavailable');
    expect(slaCause(after(6000 + 5900), pg(6000))).toBe('postgres_unavailable');
    expect(slaCause(after(6000 + 6100), pg(6000))).toBe('push_lost');
    // a 2 s blip: the 5 s minimum
    expect(slaCause(after(2000 + 4900), pg(2000))).toBe('postgres_unavailable');
    expect(slaCause(after(2000 + 5100), pg(2000))).toBe('push_lost');
    // a 5 min outage: at most 60 s after it
    expect(slaCause(after(300_000 + 59_000, false), pg(300_000))).toBe('postgres_unavailable');
    expect(slaCause(after(300_000 + 61_000, false), pg(300_000))).toBe('backlog');
    expect(recoveryTailMs({ dependency: 'redis', startedAt: T0, endedAt: null }, T0 + 8000)).toBe(8000);
  });

  it('counts an outage still going on up to now, and not a blip shorter than a second', () => {
    expect(outageDuring([{ dependency: 'redis', startedAt: T0 + 1000, endedAt: null }], T0, T0 + 40_000, T0 + 3000)).toBe('redis');
    expect(outageDuring([{ dependency: 'redis', startedAt: T0 + 1000, endedAt: T0 + 1500 }], T0, T0 + 40_000)).toBeNull();
  });

  it('falls back to the warning’s cause, then push_lost for an order the poller found, then backlog', () => {
    expect(slaCause({ ...quiet, earlier: 'platform_quota', foundByPoll: true }, [])).toBe('platform_quota');
    expect(slaCause({ ...quiet, earlier: 'backlog', foundByPoll: true }, [])).toBe('push_lost');
    expect(slaCause({ ...quiet, foundByPoll: true }, [])).toBe('push_lost');
    expect(slaCause(quiet, [])).toBe('backlog');
  });
});
