import { GroupCommitter } from './group-commit';

/** a flush that waits until released, recording the groups it was given */
function gatedFlush() {
  const groups: number[][] = [];
  const releases: (() => void)[] = [];
  const flush = (items: number[]) =>
    new Promise<number[]>((resolve) => {
      groups.push(items);
      releases.push(() => resolve(items.map((i) => i * 10)));
    });
  return { groups, flush, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe(GroupCommitter.name, () => {
  it('hands each caller its own outputs, in order', async () => {
    const sut = new GroupCommitter(async (items: number[]) => items.map((i) => i + 1), { maxBatch: 10, maxWaitMs: 1, maxInFlight: 1 });
    await expect(Promise.all([sut.submit([1, 2]), sut.submit([3])])).resolves.toEqual([[2, 3], [4]]);
  });

  it('keeps items waiting while maxInFlight flushes run, then sends them in groups of up to maxBatch', async () => {
    const g = gatedFlush();
    const sut = new GroupCommitter(g.flush, { maxBatch: 4, maxWaitMs: 1, maxInFlight: 1 });
    const first = sut.submit([1, 2, 3, 4]);
    const rest = [sut.submit([5, 6]), sut.submit([7, 8]), sut.submit([9])];
    await tick();
    expect(g.groups).toEqual([[1, 2, 3, 4]]);
    expect(sut.waiting).toBe(5);
    g.releaseAll();
    await first;
    await tick();
    expect(g.groups).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    g.releaseAll();
    await tick();
    g.releaseAll();
    await expect(Promise.all(rest)).resolves.toEqual([[50, 60], [70, 80], [90]]);
  });

  it('asks a maxInFlight function each time, and kick starts flushes for waiting items once it rose', async () => {
    const g = gatedFlush();
    let limit = 1;
    const sut = new GroupCommitter(g.flush, { maxBatch: 2, maxWaitMs: 1, maxInFlight: () => limit });
    const all = [1, 2, 3, 4, 5, 6].map((i) => sut.submit([i]));
    await new Promise((r) => setTimeout(r, 10));
    expect(g.groups).toHaveLength(1);
    expect(sut.flushing).toBe(1);
    limit = 3;
    sut.kick();
    expect(g.groups).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(sut.waiting).toBe(0);
    g.releaseAll();
    await expect(Promise.all(all)).resolves.toEqual([[10], [20], [30], [40], [50], [60]]);
  });

  it('kick does nothing without room', async () => {
    const g = gatedFlush();
    const sut = new GroupCommitter(g.flush, { maxBatch: 1, maxWaitMs: 1, maxInFlight: () => 1 });
    const a = sut.submit([1]);
    const b = sut.submit([2]);
    await tick();
    sut.kick();
    expect(g.groups).toEqual([[1]]);
    g.releaseAll();
    await a;
    await tick();
    g.releaseAll();
    await expect(b).resolves.toEqual([20]);
  });

  it('retries each caller alone when a group fails, so one bad item fails only its caller', async () => {
    const sut = new GroupCommitter(
      async (items: number[]) => {
        if (items.includes(0)) throw new Error('bad item');
        return items;
      },
      { maxBatch: 10, maxWaitMs: 5, maxInFlight: 1 },
    );
    const good = sut.submit([1]);
    const bad = sut.submit([0]);
    await expect(good).resolves.toEqual([1]);
    await expect(bad).rejects.toThrow('bad item');
  });
});
