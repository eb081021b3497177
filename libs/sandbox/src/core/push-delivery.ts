import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PushItem {
  appKey: string;
  messageId: string;
  /** one element of the pushed JSON array */
  item: unknown;
}

export interface PushEncoding {
  /** body and headers of one POST carrying `items` (all of one app) to `target` (some platforms sign its path) */
  encode(appKey: string, items: PushItem[], target: URL): { body: string; headers: Record<string, string> };
  /** did the receiver acknowledge the POST? */
  isAck(status: number, body: string): boolean;
}

export interface PushOptions {
  url: string | null;
  batchSize: number;
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  timeoutMs: number;
}

export interface PushStats {
  enqueued: number;
  dropped: number;
  /** POSTs attempted (first tries and retries) */
  posts: number;
  postsFailed: number;
  /** messages handed to a first POST */
  sent: number;
  acked: number;
  retries: number;
  gaveUp: number;
  pending: number;
  inFlight: number;
}

interface Batch {
  appKey: string;
  items: PushItem[];
  attempts: number;
  dueAt: number;
}

/**
 * At-least-once HTTP push: batches pending messages of one app into a JSON-array POST, retries a
 * failed POST (non-success reply or network error) with exponential backoff, like the platforms.
 */
export class PushDelivery {
  private pending: PushItem[] = [];
  private retrying: Batch[] = [];
  private inFlight = 0;
  private pumpScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });
  private idleWaiters: (() => void)[] = [];
  readonly stats: PushStats = { enqueued: 0, dropped: 0, posts: 0, postsFailed: 0, sent: 0, acked: 0, retries: 0, gaveUp: 0, pending: 0, inFlight: 0 };

  constructor(
    private readonly encoding: PushEncoding,
    readonly options: PushOptions,
    private readonly dropRate: () => number,
  ) {}

  enqueue(item: PushItem): void {
    if (this.closed || !this.options.url) return;
    this.stats.enqueued++;
    const rate = this.dropRate();
    if (rate > 0 && Math.random() < rate) {
      this.stats.dropped++;
      return;
    }
    this.pending.push(item);
    this.schedulePump();
  }

  configure(patch: Partial<PushOptions>): void {
    Object.assign(this.options, patch);
    this.schedulePump();
  }

  /** Resolves when nothing is pending, retrying or in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  snapshot(): PushStats {
    return { ...this.stats, pending: this.pending.length + this.retrying.reduce((a, b) => a + b.items.length, 0), inFlight: this.inFlight };
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.pending = [];
    this.retrying = [];
    this.agent.destroy();
    this.httpsAgent.destroy();
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.pending.length === 0 && this.retrying.length === 0 && this.inFlight === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.closed) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    while (this.inFlight < this.options.concurrency) {
      const due = this.retrying.findIndex((b) => b.dueAt <= now);
      if (due >= 0) {
        const [batch] = this.retrying.splice(due, 1);
        this.stats.retries++;
        this.post(batch);
        continue;
      }
      if (this.pending.length === 0) break;
      const batch = this.takeBatch();
      this.stats.sent += batch.items.length;
      this.post(batch);
    }
    this.armRetryTimer();
  }

  private takeBatch(): Batch {
    const appKey = this.pending[0].appKey;
    const items: PushItem[] = [];
    const rest: PushItem[] = [];
    for (const it of this.pending) {
      if (it.appKey === appKey && items.length < this.options.batchSize) items.push(it);
      else rest.push(it);
    }
    this.pending = rest;
    return { appKey, items, attempts: 0, dueAt: 0 };
  }

  private armRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.retrying.length === 0 || this.closed) return;
    const next = Math.min(...this.retrying.map((b) => b.dueAt));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, Math.max(0, next - Date.now()));
    this.retryTimer.unref();
  }

  private post(batch: Batch): void {
    const url = this.options.url;
    if (!url) return;
    batch.attempts++;
    this.inFlight++;
    this.stats.posts++;
    const target = new URL(url);
    const { body, headers } = this.encoding.encode(batch.appKey, batch.items, target);
    const send = target.protocol === 'https:' ? httpsRequest : request;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (ok) this.stats.acked += batch.items.length;
      else this.fail(batch);
      this.schedulePump();
      this.notifyIdle();
    };
    const req = send(
      target,
      {
        method: 'POST',
        agent: target.protocol === 'https:' ? this.httpsAgent : this.agent,
        headers: { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers },
        timeout: this.options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(this.encoding.isAck(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
        res.on('error', () => finish(false));
      },
    );
    req.on('timeout', () => req.destroy(new Error('push timeout')));
    req.on('error', () => finish(false));
    req.end(body);
  }

  private fail(batch: Batch): void {
    this.stats.postsFailed++;
    if (this.closed) return;
    if (batch.attempts >= this.options.maxAttempts) {
      this.stats.gaveUp += batch.items.length;
      return;
    }
    const backoff = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (batch.attempts - 1));
    batch.dueAt = Date.now() + backoff;
    this.retrying.push(batch);
  }
}
