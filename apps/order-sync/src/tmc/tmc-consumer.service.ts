import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InboxWriter, entriesForApp } from '@app/intake';
import { ShopDirectory } from '@app/platforms';
import { TMC_OPTIONS, type TmcOptions } from './tmc.options';
import { TmcSource, type TmcMessage } from './tmc-source.port';

/** pushed batches being committed at once per app (the HTTP consume path stays one round at a time) */
const PUSHED_ROUNDS_IN_FLIGHT = 4;

/**
 * Taobao pushes through TMC, not webhooks: a WebSocket that pushes messages (TAOBAO_TMC_CHANNEL=socket), with
 * the pull-style HTTP consume as the fallback while it is down. One loop per Taobao app: consume a batch,
 * write it to the inbox (group commit), confirm only after the commit — so an unconfirmed message is
 * redelivered by Taobao and the inbox's unique key absorbs the repeat.
 *
 * It lives in order-sync, not the gateway: it is an outbound long-running consumer, not a public HTTP
 * surface; the gateway stays stateless and only answers inbound calls.
 */
@Injectable()
export class TmcConsumerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TmcConsumerService.name);
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly writer: InboxWriter,
    private readonly shops: ShopDirectory,
    @Inject(TMC_OPTIONS) private readonly opts: TmcOptions,
    @Optional() @Inject(TmcSource) private readonly source: TmcSource | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.opts.tmcEnabled || !this.opts.backgroundLoops) return;
    if (!this.source) {
      this.logger.warn('TMC enabled but no TmcSource provided; Taobao orders arrive through polling only');
      return;
    }
    this.loops.push(this.supervise());
  }

  /** starts one consume loop per Taobao app key, and picks up apps of shops registered later */
  private async supervise(): Promise<void> {
    const running = new Set<string>();
    while (!this.stopping) {
      try {
        for (const app of await this.source!.apps()) {
          if (running.has(app)) continue;
          running.add(app);
          this.loops.push(this.loop(app));
        }
      } catch (e) {
        this.logger.error(`TMC: listing Taobao apps failed: ${String(e)}`);
      }
      // a shop registered a moment ago gets its consumer within a second (one small query a second)
      await this.idle(Math.max(this.opts.tmcIdleMs * 5, 1000));
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    // loops started while stopping are awaited too
    for (let i = 0; i < this.loops.length; i++) await this.loops[i];
  }

  /** one consume -> write -> confirm round; returns how many messages it handled */
  async runOnce(appKey: string): Promise<number> {
    const source = this.source;
    if (!source) return 0;
    const batch = await source.consume(appKey, this.opts.tmcGroupName, this.opts.tmcQuantity);
    if (batch.length === 0) return 0;
    await this.store(appKey, batch);
    return batch.length;
  }

  /** write a batch to the inbox, then (only then) confirm it */
  private async store(appKey: string, batch: TmcMessage[]): Promise<void> {
    // only this app's shops: a message naming a shop authorised under another app is stored as ignored
    await this.writer.write(await entriesForApp(this.shops, 'taobao', appKey, batch.map((m) => m.message)));
    // durable now: confirming earlier could lose a message, confirming later only costs a duplicate
    await this.source!.confirm(appKey, this.opts.tmcGroupName, batch.map((m) => m.tmcId));
  }

  /**
   * Over HTTP consume one round at a time, as before. With the push channel up, what has been pushed is taken
   * at once and stored while earlier rounds are still committing (up to PUSHED_ROUNDS_IN_FLIGHT; the inbox
   * writer's group commit merges them), so a message never waits for another batch's commit; each round still
   * confirms only after its own commit.
   */
  private async loop(appKey: string): Promise<void> {
    const group = this.opts.tmcGroupName;
    const inFlight = new Set<Promise<void>>();
    let failures = 0;
    let pushedFailure: unknown = null;
    while (!this.stopping) {
      let idleMs = 0;
      try {
        if (pushedFailure !== null) {
          const e = pushedFailure;
          pushedFailure = null;
          throw e;
        }
        if (this.source?.pushing?.(appKey, group) === true) {
          const batch = await this.source.consume(appKey, group, this.opts.tmcQuantity);
          if (batch.length === 0) idleMs = this.opts.tmcIdleMs;
          else {
            const round: Promise<void> = this.store(appKey, batch)
              .then(
                () => {
                  failures = 0;
                },
                (e: unknown) => {
                  pushedFailure ??= e;
                },
              )
              .finally(() => inFlight.delete(round));
            inFlight.add(round);
            if (inFlight.size >= PUSHED_ROUNDS_IN_FLIGHT) await Promise.race(inFlight);
          }
        } else {
          if (inFlight.size > 0) await Promise.allSettled([...inFlight]);
          const n = await this.runOnce(appKey);
          failures = 0;
          if (n === 0) idleMs = this.opts.tmcIdleMs;
        }
      } catch (e) {
        failures += 1;
        idleMs = Math.min(this.opts.tmcIdleMs * 2 ** failures, 60_000);
        this.logger.error(`TMC consume for app ${appKey} failed (${failures}x), next try in ${idleMs} ms: ${String(e)}`);
      }
      if (idleMs > 0 && !this.stopping) await this.pause(appKey, idleMs, failures > 0);
    }
    await Promise.allSettled([...inFlight]);
  }

  /**
   * Between rounds: with the push channel up (the TMC socket), until a message is pushed (at most a second,
   * so a dropped channel is noticed), else the poll idle / backoff as before.
   */
  private async pause(appKey: string, idleMs: number, failed: boolean): Promise<void> {
    const source = this.source;
    const group = this.opts.tmcGroupName;
    if (!failed && source?.waitForPush && source.pushing?.(appKey, group)) {
      const maxMs = Math.max(idleMs, 1000);
      // like idle(), and woken by a push too (stop wakes it as well)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, maxMs);
        this.wakers.add(done);
        source.waitForPush!(appKey, group, maxMs).then(done, done);
      });
      return;
    }
    await this.idle(idleMs);
  }
}
