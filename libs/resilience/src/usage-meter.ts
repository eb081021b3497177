import type { RedisClient } from '@app/observability/redis/redis-client';

/** width of one counting bucket */
export const USAGE_BUCKET_MS = 10_000;
/** how far back rates are read (the buckets before the current one) */
export const USAGE_WINDOW_MS = 60_000;
/** counts are sent to Redis this often (one HINCRBY per key, field and bucket) */
const FLUSH_MS = 1000;
/** a usage hash lives this long after its last write (the window plus two buckets) */
const KEEP_MS = USAGE_WINDOW_MS + 2 * USAGE_BUCKET_MS;

/**
 * Per-key event counts in 10-second buckets, shared by every process through Redis: how many platform calls
 * our quota limiter let through (`granted`) or refused (`refused`) per API and shop, and how many order
 * changes the order path had to read (`orders`). Counted in memory and sent once a second in one pipeline,
 * so a platform call costs no Redis round trip for it. `rates(key)` reads the last minute's complete buckets
 * (so a figure is at most 10 s old). Keys are `{<prefix>:use}:<key>`, one hash per key; a hash expires 80 s
 * after its last write. The hash tag puts every key of a prefix in one Redis Cluster slot: a pipeline on an
 * ioredis Cluster client must address one node, and one flush (one read) covers many keys. One pipeline a
 * second per process is little load for the one master holding that slot.
 */
export class UsageMeter {
  private pending = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  add(key: string, field: string, n = 1): void {
    if (n <= 0) return;
    const bucket = Math.floor(this.now() / USAGE_BUCKET_MS);
    const fields = this.pending.get(key) ?? new Map<string, number>();
    const f = `${field}:${bucket}`;
    fields.set(f, (fields.get(f) ?? 0) + n);
    this.pending.set(key, fields);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** sends what was counted; counts of a failed send are dropped (they are a gauge's input, not records) */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipe = this.redis.pipeline();
    for (const [key, fields] of batch) {
      const k = this.keyOf(key);
      for (const [f, n] of fields) pipe.hincrby(k, f, n);
      pipe.pexpire(k, KEEP_MS);
    }
    this.flushing = pipe.exec().then(
      () => undefined,
      () => undefined,
    );
    await this.flushing;
    this.flushing = null;
  }

  /** per second over the last minute's complete buckets, by field; absent fields are 0 */
  async rates(keys: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    if (keys.length === 0) return out;
    const current = Math.floor(this.now() / USAGE_BUCKET_MS);
    const first = current - USAGE_WINDOW_MS / USAGE_BUCKET_MS;
    const pipe = this.redis.pipeline();
    for (const k of keys) pipe.hgetall(this.keyOf(k));
    const replies = (await pipe.exec()) ?? [];
    keys.forEach((key, i) => {
      const [err, hash] = replies[i] ?? [null, {}];
      const sums: Record<string, number> = {};
      if (!err) {
        for (const [f, v] of Object.entries((hash ?? {}) as Record<string, string>)) {
          const at = f.lastIndexOf(':');
          const bucket = Number(f.slice(at + 1));
          if (bucket >= first && bucket < current) sums[f.slice(0, at)] = (sums[f.slice(0, at)] ?? 0) + Number(v);
        }
      }
      for (const f of Object.keys(sums)) sums[f] = sums[f] / (USAGE_WINDOW_MS / 1000);
      out.set(key, sums);
    });
    return out;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private keyOf(key: string): string {
    return `{${this.prefix}:use}:${key}`;
  }
}
