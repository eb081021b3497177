/**
 * Group commit: concurrent callers' items are collected for up to `maxWaitMs` (or until `maxBatch`
 * items are waiting) and handed to ONE `flush` call; each caller's promise settles with that flush.
 * While `maxInFlight` flushes are running, new items keep accumulating and go out in the next group,
 * so the group size grows with load and the statement count per item falls.
 */
export interface GroupCommitOptions {
  maxBatch: number;
  maxWaitMs: number;
  /** flushes running at once; a function is asked each time (an adaptive limit: call `kick` when it rises) */
  maxInFlight: number | (() => number);
}

export interface GroupCommitStats {
  groups: number;
  items: number;
  largestGroup: number;
}

interface Waiter<I, O> {
  items: I[];
  resolve: (out: O[]) => void;
  reject: (e: unknown) => void;
}

export class GroupCommitter<I, O> {
  private pending: Waiter<I, O>[] = [];
  private pendingItems = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = false;
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  readonly stats: GroupCommitStats = { groups: 0, items: 0, largestGroup: 0 };

  constructor(
    /** returns one output per input item, in order */
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly opts: GroupCommitOptions,
  ) {}

  /** items waiting for a flush */
  get waiting(): number {
    return this.pendingItems;
  }

  /** the waiting items themselves (in submission order) */
  waitingItems(): I[] {
    return this.pending.flatMap((w) => w.items);
  }

  get flushing(): number {
    return this.inFlight;
  }

  /** starts flushes for waiting items while there is room: after the maxInFlight function's value rose */
  kick(): void {
    while (this.pending.length > 0 && this.inFlight < this.cap()) this.startFlush();
  }

  submit(items: I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      this.pendingItems += items.length;
      this.schedule();
    });
  }

  /** resolves when every submitted group has been flushed */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.running.size > 0) {
      if (this.pending.length > 0 && this.inFlight < this.cap()) this.startFlush();
      await Promise.race([...this.running]);
    }
  }

  private schedule(): void {
    if (this.pendingItems >= this.opts.maxBatch && this.inFlight < this.cap()) {
      this.startFlush();
      return;
    }
    if (this.timer === null && !this.timerDue) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.timerDue = true;
        if (this.inFlight < this.cap()) this.startFlush();
      }, this.opts.maxWaitMs);
    }
  }

  private cap(): number {
    const m = this.opts.maxInFlight;
    return typeof m === 'number' ? m : m();
  }

  private startFlush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.timerDue = false;
    // take whole callers up to maxBatch items (a caller's items are never split across groups)
    const group: Waiter<I, O>[] = [];
    let n = 0;
    while (this.pending.length > 0 && (n === 0 || n + this.pending[0].items.length <= this.opts.maxBatch)) {
      const w = this.pending.shift()!;
      group.push(w);
      n += w.items.length;
    }
    this.pendingItems -= n;
    if (group.length === 0) return;
    this.inFlight += 1;
    const p = this.runGroup(group, n).finally(() => {
      this.inFlight -= 1;
      this.running.delete(p);
      // the leftovers waited at least one flush: send them now rather than waiting again (as many flushes as the
      // limit allows: an adaptive limit may have risen while this one ran)
      if (this.pending.length > 0 && (this.pendingItems >= this.opts.maxBatch || this.timerDue || this.timer === null)) this.kick();
    });
    this.running.add(p);
  }

  private async runGroup(group: Waiter<I, O>[], n: number): Promise<void> {
    this.stats.groups += 1;
    this.stats.items += n;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, n);
    const all = group.flatMap((w) => w.items);
    let out: O[];
    try {
      out = await this.flush(all);
    } catch (e) {
      if (group.length === 1) {
        group[0].reject(e);
        return;
      }
      // one caller's bad item must not fail everybody: retry each caller on its own
      await Promise.all(
        group.map(async (w) => {
          try {
            w.resolve(await this.flush(w.items));
          } catch (e2) {
            w.reject(e2);
          }
        }),
      );
      return;
    }
    let i = 0;
    for (const w of group) {
      w.resolve(out.slice(i, i + w.items.length));
      i += w.items.length;
    }
  }
}
