import { UpstreamError } from '@app/contracts';
import { BreakerRegistry, isHealthyFailure } from './breaker-registry';

const busy = () => Promise.reject(new UpstreamError('douyin', 'retryable', 'busy'));
const bad = () => Promise.reject(new UpstreamError('douyin', 'invalid_request', 'bad'));

describe(BreakerRegistry.name, () => {
  let sut: BreakerRegistry;
  beforeEach(() => {
    sut = new BreakerRegistry({ requestTimeoutMs: 200, resetTimeoutMs: 5_000, volumeThreshold: 3 });
  });
  afterEach(() => sut.shutdown());

  it('passes results through while closed', async () => {
    await expect(sut.exec('douyin:s1', async () => 42)).resolves.toBe(42);
    expect(sut.state('douyin:s1')).toBe('closed');
  });

  it('opens after repeated retryable failures and then rejects fast with circuit_open', async () => {
    for (let i = 0; i < 3; i++) await expect(sut.exec('douyin:s1', busy)).rejects.toMatchObject({ kind: 'retryable' });
    expect(sut.state('douyin:s1')).toBe('open');
    const fn = jest.fn(async () => 1);
    const err = await sut.exec('douyin:s1', fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'circuit_open', upstream: 'douyin' });
    const retryAfter = (err as UpstreamError).retryAfterMs ?? 0;
    expect(retryAfter).toBeGreaterThan(4_000);
    expect(retryAfter).toBeLessThanOrEqual(5_000);
    expect(fn).not.toHaveBeenCalled();
  });

  it('keeps one breaker per key: another shop is unaffected', async () => {
    for (let i = 0; i < 3; i++) await sut.exec('douyin:s1', busy).catch(() => undefined);
    await expect(sut.exec('douyin:s2', async () => 'ok')).resolves.toBe('ok');
    expect(sut.states()).toEqual(
      expect.arrayContaining([
        { key: 'douyin:s1', upstream: 'douyin', state: 'open' },
        { key: 'douyin:s2', upstream: 'douyin', state: 'closed' },
      ]),
    );
  });

  it('does not trip on caller faults (invalid_request, not_found, auth_*)', async () => {
    for (let i = 0; i < 6; i++) await expect(sut.exec('douyin:s1', bad)).rejects.toMatchObject({ kind: 'invalid_request' });
    expect(sut.state('douyin:s1')).toBe('closed');
  });

  it.each([
    ['invalid_request', true],
    ['not_found', true],
    ['auth_expired', true],
    ['auth_revoked', true],
    ['rate_limited', true],
    ['retryable', false],
  ] as const)('treats %s as healthy=%s', (kind, healthy) => {
    expect(isHealthyFailure(new UpstreamError('x', kind, 'm'))).toBe(healthy);
  });

  it('maps a call slower than the breaker timeout to a retryable error', async () => {
    const fast = new BreakerRegistry({ requestTimeoutMs: 10, timeoutSlackMs: 10, volumeThreshold: 100 });
    try {
      const slow = () => new Promise<number>((r) => setTimeout(() => r(1), 200));
      await expect(fast.exec('erp:jst', slow)).rejects.toMatchObject({ kind: 'retryable', upstream: 'erp' });
    } finally {
      fast.shutdown();
    }
  });

  it('lets one trial call through after resetTimeout and closes on success', async () => {
    const quick = new BreakerRegistry({ requestTimeoutMs: 100, resetTimeoutMs: 50, volumeThreshold: 2 });
    try {
      for (let i = 0; i < 2; i++) await quick.exec('taobao:s', busy).catch(() => undefined);
      expect(quick.state('taobao:s')).toBe('open');
      const deadline = Date.now() + 2_000;
      while (quick.state('taobao:s') !== 'halfOpen' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(quick.state('taobao:s')).toBe('halfOpen');
      await expect(quick.exec('taobao:s', async () => 'ok')).resolves.toBe('ok');
      expect(quick.state('taobao:s')).toBe('closed');
    } finally {
      quick.shutdown();
    }
  });

  describe('thresholds for upstreams called a few times a minute', () => {
    const timeout = () => Promise.reject(new UpstreamError('erp', 'retryable', 'timeout: total time limit exceeded', { code: 'ETIMEDOUT' }));
    const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

    it('opens after consecutiveFailures failures in a row, far below the volume threshold, and says it opened on timeouts', async () => {
      const erp = new BreakerRegistry({ requestTimeoutMs: 1000, volumeThreshold: 100, consecutiveFailures: 3 });
      const changes: unknown[] = [];
      erp.onStateChange((c) => changes.push(c));
      try {
        for (let i = 0; i < 2; i++) await erp.exec('erp:g', timeout).catch(() => undefined);
        expect(erp.state('erp:g')).toBe('closed');
        await erp.exec('erp:g', timeout).catch(() => undefined);
        expect(erp.state('erp:g')).toBe('open');
        expect(changes).toEqual([{ key: 'erp:g', state: 'open', cause: 'timeouts' }]);
        await expect(erp.exec('erp:g', async () => 1)).rejects.toMatchObject({ kind: 'circuit_open', details: { code: 'open_after_timeouts' } });
      } finally {
        erp.shutdown();
      }
    });

    it('a success in between starts the count again', async () => {
      const erp = new BreakerRegistry({ requestTimeoutMs: 1000, volumeThreshold: 100, consecutiveFailures: 3 });
      try {
        for (let i = 0; i < 4; i++) {
          await erp.exec('erp:g', busy).catch(() => undefined);
          await erp.exec('erp:g', busy).catch(() => undefined);
          await erp.exec('erp:g', async () => 'ok');
        }
        expect(erp.state('erp:g')).toBe('closed');
      } finally {
        erp.shutdown();
      }
    });

    it('says it opened on errors when errors opened it', async () => {
      const erp = new BreakerRegistry({ requestTimeoutMs: 1000, volumeThreshold: 100, consecutiveFailures: 2 });
      try {
        for (let i = 0; i < 2; i++) await erp.exec('erp:g', busy).catch(() => undefined);
        await expect(erp.exec('erp:g', async () => 1)).rejects.toMatchObject({ details: { code: 'open_after_errors' } });
      } finally {
        erp.shutdown();
      }
    });

    it('counts a success slower than slowCallMs as a failure but still returns its result', async () => {
      const erp = new BreakerRegistry({ requestTimeoutMs: 1000, volumeThreshold: 100, consecutiveFailures: 2, slowCallMs: 20 });
      try {
        await expect(erp.exec('erp:g', () => later(60, 'a'))).resolves.toBe('a');
        expect(erp.state('erp:g')).toBe('closed');
        await expect(erp.exec('erp:g', () => later(60, 'b'))).resolves.toBe('b');
        expect(erp.state('erp:g')).toBe('open');
        await expect(erp.exec('erp:g', async () => 1)).rejects.toMatchObject({ details: { code: 'open_after_timeouts' } });
      } finally {
        erp.shutdown();
      }
    });

    it('does not count a fast success as slow', async () => {
      const erp = new BreakerRegistry({ requestTimeoutMs: 1000, volumeThreshold: 100, consecutiveFailures: 1, slowCallMs: 500 });
      try {
        for (let i = 0; i < 3; i++) await expect(erp.exec('erp:g', () => later(5, i))).resolves.toBe(i);
        expect(erp.state('erp:g')).toBe('closed');
      } finally {
        erp.shutdown();
      }
    });

    it('a half-open trial that fails opens it again; one that succeeds closes it', async () => {
      const erp = new BreakerRegistry({ requestTimeoutMs: 1000, resetTimeoutMs: 40, volumeThreshold: 100, consecutiveFailures: 2 });
      const states: string[] = [];
      erp.onStateChange((c) => states.push(c.state));
      const halfOpen = async () => {
        const deadline = Date.now() + 2000;
        while (erp.state('erp:g') !== 'halfOpen' && Date.now() < deadline) await later(5, null);
      };
      try {
        for (let i = 0; i < 2; i++) await erp.exec('erp:g', timeout).catch(() => undefined);
        await halfOpen();
        await erp.exec('erp:g', timeout).catch(() => undefined);
        expect(erp.state('erp:g')).toBe('open');
        await halfOpen();
        await expect(erp.exec('erp:g', async () => 'back')).resolves.toBe('back');
        expect(states).toEqual(['open', 'halfOpen', 'open', 'halfOpen', 'closed']);
      } finally {
        erp.shutdown();
      }
    });
  });
});
