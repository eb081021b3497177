import { AdaptiveTimeout } from './adaptive-timeout';

describe(AdaptiveTimeout.name, () => {
  const sut = () => new AdaptiveTimeout({ floorMs: 15_000, maxMs: 25_000 });

  it('is the floor while answers are fast', () => {
    const t = sut();
    expect(t.timeoutMs).toBe(15_000);
    t.observe(20);
    expect(t.timeoutMs).toBe(15_000);
  });

  it('is twice a slow answer, up to the maximum', () => {
    const t = sut();
    t.observe(9_000);
    expect(t.timeoutMs).toBe(18_000);
    t.observe(12_000);
    expect(t.timeoutMs).toBe(24_000);
    t.observe(14_000);
    expect(t.timeoutMs).toBe(25_000);
  });

  it('stretches after a timeout: the latency was at least the limit', () => {
    const t = new AdaptiveTimeout({ floorMs: 5_000, maxMs: 25_000 });
    t.timedOut(5_000);
    expect(t.timeoutMs).toBe(10_000);
    t.timedOut(10_000);
    expect(t.timeoutMs).toBe(20_000);
  });

  it('sinks back slowly when answers get fast again', () => {
    const t = sut();
    t.observe(12_000);
    t.observe(10);
    expect(t.timeoutMs).toBe(19_204); // one fast answer pulls the mark a fifth of the way
    for (let i = 0; i < 30; i++) t.observe(10);
    expect(t.timeoutMs).toBe(15_000);
  });

  it('refuses a maximum below the floor', () => {
    expect(() => new AdaptiveTimeout({ floorMs: 10, maxMs: 5 })).toThrow(/below/);
  });
});
