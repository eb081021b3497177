import { AimdLimiter, type CallOutcome } from './aimd-limiter';

/** a limiter on a hand-driven clock */
function limiter(o: Partial<ConstructorParameters<typeof AimdLimiter>[0]> = {}) {
  const clock = { t: 0 };
  const sut = new AimdLimiter({ initial: 4, max: 16, probeIntervalMs: 500, holdAfterDropMs: 5000, now: () => clock.t, ...o });
  return { sut, clock };
}

/** fills every slot, then ends them all with `outcome` */
function roundTrip(sut: AimdLimiter, outcome: CallOutcome): void {
  const tickets = Array.from({ length: sut.limit }, () => sut.start());
  for (const t of tickets) sut.end(t, outcome);
}

/** a steady backlog: `n` calls end with `outcome`, and every free slot is taken again at once */
function steady(sut: AimdLimiter, n: number, outcome: CallOutcome): void {
  const tickets = Array.from({ length: sut.limit }, () => sut.start());
  for (let i = 0; i < n; i++) {
    sut.end(tickets.shift()!, outcome);
    while (sut.inFlight < sut.limit) tickets.push(sut.start());
  }
  for (const t of tickets) sut.end(t, 'ignore');
}

describe(AimdLimiter.name, () => {
  it('starts at the initial limit, clamped to [min, max]', () => {
    expect(limiter().sut.limit).toBe(4);
    expect(limiter({ initial: 40 }).sut.limit).toBe(16);
    expect(limiter({ initial: 0 }).sut.limit).toBe(1);
  });

  it('grows by about one per round trip of successes while the limit is used (+1/limit per success)', () => {
    const { sut } = limiter();
    steady(sut, 5, 'success');
    expect(sut.limit).toBe(5);
    steady(sut, 6, 'success');
    expect(sut.limit).toBe(6);
  });

  it('does not grow on successes that never used the whole limit', () => {
    const { sut } = limiter();
    for (let i = 0; i < 50; i++) sut.end(sut.start(), 'success');
    expect(sut.limit).toBe(4);
  });

  it('holds on slow answers', () => {
    const { sut } = limiter();
    steady(sut, 40, 'slow');
    expect(sut.limit).toBe(4);
  });

  it('gives a slow upstream more calls in flight: probes up by one per interval while callers wait and nothing fails', () => {
    const { sut, clock } = limiter();
    const held = Array.from({ length: 4 }, () => sut.start());
    expect(sut.probe(true)).toBe(true);
    expect(sut.limit).toBe(5);
    // all slots busy again only once the new one is taken; and not before the interval has passed
    sut.start();
    expect(sut.probe(true)).toBe(false);
    clock.t += 500;
    expect(sut.probe(true)).toBe(true);
    expect(sut.limit).toBe(6);
    expect(held).toHaveLength(4);
  });

  it('does not probe without waiting callers, with free slots, or at the maximum', () => {
    const { sut, clock } = limiter({ initial: 2, max: 3 });
    sut.start();
    expect(sut.probe(true)).toBe(false); // a slot is free
    sut.start();
    expect(sut.probe(false)).toBe(false); // nobody waits
    expect(sut.probe(true)).toBe(true);
    sut.start();
    clock.t += 1000;
    expect(sut.probe(true)).toBe(false); // at max
    expect(sut.limit).toBe(3);
  });

  it('halves on a drop, once per generation of calls: a burst of timeouts from one stall counts once', () => {
    const { sut } = limiter({ initial: 16 });
    const tickets = Array.from({ length: 16 }, () => sut.start());
    for (const t of tickets) sut.end(t, 'drop');
    expect(sut.limit).toBe(8);
    // calls started after the decrease can decrease it again
    roundTrip(sut, 'drop');
    expect(sut.limit).toBe(4);
  });

  it('never goes below min', () => {
    const { sut } = limiter({ initial: 2, min: 2 });
    for (let i = 0; i < 5; i++) roundTrip(sut, 'drop');
    expect(sut.limit).toBe(2);
  });

  it('does not probe for holdAfterDropMs after a drop', () => {
    const { sut, clock } = limiter({ initial: 8 });
    sut.end(sut.start(), 'drop');
    expect(sut.limit).toBe(4);
    for (let i = 0; i < 4; i++) sut.start();
    clock.t += 4999;
    expect(sut.probe(true)).toBe(false);
    clock.t += 1;
    expect(sut.probe(true)).toBe(true);
  });

  it('ignores calls that say nothing about capacity', () => {
    const { sut } = limiter();
    roundTrip(sut, 'ignore');
    expect(sut.limit).toBe(4);
    expect(sut.inFlight).toBe(0);
  });
});
