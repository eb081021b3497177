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

/** the group TOP uses when a consume or confirm names none */
export const TMC_DEFAULT_GROUP = 'default';

/**
 * TMC over HTTP (taobao.tmc.messages.consume / confirm), per app key: consume hands out ready
 * messages; unconfirmed ones come back after `redeliverAfterMs` (at-least-once); failed ids come
 * back at once. A message is in flight under the group that consumed it, and a confirm only covers its
 * own group's messages (a confirm without group_name is the 'default' group's, as on TOP): confirming
 * under another group leaves the message to come back. (Routing sellers to groups is not modelled: every
 * group consumes from one ready queue.)
 */
export class TmcQueue {
  private ready: TmcMessage[] = [];
  private inFlight = new Map<string, { msg: TmcMessage; redeliverAt: number; group: string }>();
  readonly stats: Omit<TmcStats, 'ready' | 'inFlight'> = { published: 0, deliveries: 0, redelivered: 0, confirmed: 0, failed: 0 };

  constructor(public redeliverAfterMs: number) {}

  publish(msg: TmcMessage): void {
    this.stats.published++;
    this.ready.push(msg);
  }

  consume(quantity: number, now: number = Date.now(), group: string = TMC_DEFAULT_GROUP): TmcMessage[] {
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
    for (const m of out) this.inFlight.set(m.id, { msg: m, redeliverAt: now + this.redeliverAfterMs, group });
    this.stats.deliveries += out.length;
    return out;
  }

  /** Confirms processed ids of `group`; failed ids are queued again at once. Unknown ids, and ids in flight under another group, are ignored. */
  confirm(okIds: string[], failedIds: string[] = [], group: string = TMC_DEFAULT_GROUP): void {
    for (const id of okIds) {
      if (this.inFlight.get(id)?.group !== group) continue;
      this.inFlight.delete(id);
      this.stats.confirmed++;
    }
    for (const id of failedIds) {
      const f = this.inFlight.get(id);
      if (!f || f.group !== group) continue;
      this.inFlight.delete(id);
      this.ready.unshift(f.msg);
      this.stats.failed++;
    }
  }

  snapshot(): TmcStats {
    return { ...this.stats, ready: this.ready.length, inFlight: this.inFlight.size };
  }
}
