export interface TmcMessage {
  id: string;
  topic: string;
  /** JSON string */
  content: string;
  pubAppKey: string;
  pubTime: number; // ms
  userId: string;
  userNick: string;
}

export interface TmcStats {
  published: number;
  deliveries: number;
  redelivered: number;
  confirmed: number;
  failed: number;
  ready: number;
  inFlight: number;
}

/**
 * TMC over HTTP (taobao.tmc.messages.consume / confirm), per app key: consume hands out ready
 * messages; unconfirmed ones come back after `redeliverAfterMs` (at-least-once); failed ids come
 * back at once.
 */
export class TmcQueue {
  private ready: TmcMessage[] = [];
  private inFlight = new Map<string, { msg: TmcMessage; redeliverAt: number }>();
  readonly stats: Omit<TmcStats, 'ready' | 'inFlight'> = { published: 0, deliveries: 0, redelivered: 0, confirmed: 0, failed: 0 };

  constructor(public redeliverAfterMs: number) {}

  publish(msg: TmcMessage): void {
    this.stats.published++;
    this.ready.push(msg);
  }

  consume(quantity: number, now: number = Date.now()): TmcMessage[] {
    const due: TmcMessage[] = [];
    for (const [id, f] of this.inFlight) {
      if (f.redeliverAt <= now) {
        this.inFlight.delete(id);
        due.push(f.msg);
        this.stats.redelivered++;
      }
    }
    if (due.length) this.ready = [...due, ...this.ready];
    const out = this.ready.splice(0, quantity);
    for (const m of out) this.inFlight.set(m.id, { msg: m, redeliverAt: now + this.redeliverAfterMs });
    this.stats.deliveries += out.length;
    return out;
  }

  /** Confirms processed ids; failed ids are queued again at once. Unknown ids are ignored. */
  confirm(okIds: string[], failedIds: string[] = []): void {
    for (const id of okIds) if (this.inFlight.delete(id)) this.stats.confirmed++;
    for (const id of failedIds) {
      const f = this.inFlight.get(id);
      if (!f) continue;
      this.inFlight.delete(id);
      this.ready.unshift(f.msg);
      this.stats.failed++;
    }
  }

  snapshot(): TmcStats {
    return { ...this.stats, ready: this.ready.length, inFlight: this.inFlight.size };
  }
}
