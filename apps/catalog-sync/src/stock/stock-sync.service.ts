import { Inject, Injectable, Logger } from '@nestjs/common';
import { isUpstreamError } from '@app/contracts';
import { appMetrics } from '@app/observability';
import { PlatformAdapterRegistry, ShopDirectory, type PlatformAdapter, type ShopContext } from '@app/platforms';
import { RedisRateLimiter } from '@app/resilience';
import { describeError, DONE, outcomeFor, type JobOutcome } from '@app/queue';
import { StockJobs } from './stock-jobs';
import { StockPushLock } from './stock-lock';
import { STOCK_OPTIONS, type StockOptions } from './stock.options';
import { believedQuantity, StockRepository, type PushState, type SkuMapping } from './stock.repository';

/** DI token: the per-(SKU, shop) update limiter (a RedisRateLimiter with the feature's own QPS and prefix). */
export const STOCK_SKU_LIMITER = Symbol('STOCK_SKU_LIMITER');

export interface StockSyncStats {
  jobs: number;
  platformCalls: number;
  skipped: number;
  fullPushes: number;
  deltaPushes: number;
}

/**
 * Pushes one SKU's sellable figure to one shop (sync-stock) and checks for drift (check-stock-drift).
 *
 * What the platform shows is tracked without reading it: `believed = last pushed − (units the shop sold
 * since)` — the platform takes its own sales off by itself. A push happens only when the target differs
 * from that, so a sale on one platform under a fixed allocation costs no call at all, and a burst of
 * sales costs one call per coalesced job. On platforms listed in deltaPlatforms the push is the delta
 * (target − believed) under idempotency id `<skuId>-<shopId>-<seq>`, recorded before the call and re-sent
 * unchanged on retry; a delta never overwrites sales the platform made that we have not heard of yet.
 * Elsewhere it is a full overwrite (idempotent by nature).
 */
@Injectable()
export class StockSyncService {
  private readonly logger = new Logger(StockSyncService.name);
  readonly stats: StockSyncStats = { jobs: 0, platformCalls: 0, skipped: 0, fullPushes: 0, deltaPushes: 0 };

  constructor(
    private readonly repo: StockRepository,
    private readonly jobs: StockJobs,
    private readonly adapters: PlatformAdapterRegistry,
    private readonly directory: ShopDirectory,
    @Inject(STOCK_SKU_LIMITER) private readonly skuLimiter: RedisRateLimiter,
    private readonly lock: StockPushLock,
    @Inject(STOCK_OPTIONS) private readonly opts: StockOptions,
  ) {}

  async syncOne(skuId: string, shopId: string): Promise<JobOutcome> {
    this.stats.jobs++;
    const r = await this.lock.run(`${skuId}-${shopId}`, () => this.syncLocked(skuId, shopId));
    return r.ran ? r.value : { kind: 'delay', ms: this.opts.coalesceDelayMs, reason: 'another push of this SKU and shop is running' };
  }

  private async syncLocked(skuId: string, shopId: string): Promise<JobOutcome> {
    for (let round = 0; round < this.opts.maxPushRounds; round++) {
      const snap = await this.repo.snapshot(skuId);
      const mapping = snap?.mappings.find((m) => m.shopId === shopId);
      if (!snap || !mapping) return DONE; // SKU deleted or unmapped since the job was enqueued
      const shop = await this.directory.get(shopId);
      if (!shop) return { kind: 'failed', reason: `shop ${shopId} not found or disabled` };
      const target = snap.sellable.perShop[shopId] ?? 0;
      const ownUnits = snap.ownUnits[shopId] ?? 0;
      await this.repo.saveTarget(skuId, shopId, target);
      try {
        let state = await this.repo.pushState(skuId, shopId);
        if (state?.pendingSeq != null) {
          await this.resendPending(shop, mapping, state);
          state = await this.repo.pushState(skuId, shopId);
        }
        let believed = believedQuantity(state, ownUnits);
        // below 0 the belief is broken (a platform never shows negative stock): a delta from it would ADD units
        // the platform must not sell; push the full figure instead, which re-anchors the belief
        if (believed !== null && believed < 0) {
          this.logger.warn({ msg: 'negative stock belief, pushing the full figure', skuId, shopId, believed, target });
          believed = null;
        }
        if (believed === target) {
          if (round === 0) this.stats.skipped++;
          return DONE;
        }
        await this.skuLimiter.acquire(`stock-sku:${skuId}-${shopId}`);
        const adapter = this.adapters.get(mapping.platform);
        if (believed !== null && state && this.usesDelta(adapter)) {
          await this.pushDelta(shop, mapping, adapter, state, { target, believed, ownUnits });
        } else {
          await this.pushFull(shop, mapping, adapter, skuId, target, ownUnits);
        }
      } catch (e) {
        await this.repo.recordError(skuId, shopId, describeError(e));
        return outcomeFor(e, { attempt: 1, clock: 'queue' });
      }
    }
    // still changing after maxPushRounds: run this job again shortly instead of looping here
    return { kind: 'delay', ms: this.opts.coalesceDelayMs, reason: 'target still changing' };
  }

  private usesDelta(adapter: PlatformAdapter): boolean {
    return adapter.capabilities.stockDelta && this.opts.deltaPlatforms.includes(adapter.platform);
  }

  private async pushFull(shop: ShopContext, m: SkuMapping, adapter: PlatformAdapter, skuId: string, target: number, ownUnits: number): Promise<void> {
    const quantity = Math.max(0, target);
    this.stats.platformCalls++;
    this.stats.fullPushes++;
    await this.repo.startFullPush(skuId, m.shopId);
    await countPush(adapter.platform, 'full', () => adapter.updateStock(shop, { platformProductId: m.platformProductId, platformSkuId: m.platformSkuId, quantity, mode: 'full' }));
    await this.repo.recordPush(skuId, m.shopId, { quantity, ownUnits, mode: 'full' });
  }

  private async pushDelta(
    shop: ShopContext,
    m: SkuMapping,
    adapter: PlatformAdapter,
    state: PushState,
    f: { target: number; believed: number; ownUnits: number },
  ): Promise<void> {
    const seq = state.seq + 1;
    const delta = f.target - f.believed;
    await this.repo.savePending(state.skuId, m.shopId, { seq, delta, target: f.target, ownUnits: f.ownUnits });
    try {
      await this.sendDelta(shop, m, adapter, state.skuId, seq, delta);
    } catch (e) {
      // The platform refuses a delta that would take its stock below 0: it has sold u = believed − actual
      // units we have not heard of yet (u > target). The true figure is target − u, floored at 0; those u
      // orders are still on their way, so the belief counts them already (own units + u), or they would be
      // subtracted twice when they arrive — which is also why this push does not move the belief's anchor
      // (StockRepository.applyReservations would absorb them a second time).
      if (isUpstreamError(e) && e.kind === 'invalid_request' && !isIdempotentReplay(e)) {
        await this.repo.clearPending(state.skuId, m.shopId);
        this.stats.platformCalls++;
        const actual = await adapter.getStock(shop, m.platformProductId, m.platformSkuId);
        const unheard = Math.max(0, f.believed - actual);
        const quantity = Math.max(0, f.target - unheard);
        this.logger.warn({ msg: 'delta refused, pushing the full figure', skuId: state.skuId, shopId: m.shopId, delta, actual, unheard, quantity, error: e.message });
        this.stats.platformCalls++;
        this.stats.fullPushes++;
        await countPush(adapter.platform, 'full', () => adapter.updateStock(shop, { platformProductId: m.platformProductId, platformSkuId: m.platformSkuId, quantity, mode: 'full' }));
        await this.repo.recordPush(state.skuId, m.shopId, { quantity, ownUnits: f.ownUnits + unheard, mode: 'full', anchor: false });
        return;
      }
      throw e;
    }
    await this.repo.recordPush(state.skuId, m.shopId, { quantity: f.target, ownUnits: f.ownUnits, mode: 'delta' });
  }

  private async resendPending(shop: ShopContext, m: SkuMapping, state: PushState): Promise<void> {
    const adapter = this.adapters.get(m.platform);
    await this.sendDelta(shop, m, adapter, state.skuId, state.pendingSeq as number, state.pendingDelta as number);
    await this.repo.recordPush(state.skuId, m.shopId, { quantity: state.pendingTarget as number, ownUnits: state.pendingOwnUnits as number, mode: 'delta' });
  }

  private async sendDelta(shop: ShopContext, m: SkuMapping, adapter: PlatformAdapter, skuId: string, seq: number, delta: number): Promise<void> {
    this.stats.platformCalls++;
    this.stats.deltaPushes++;
    try {
      await countPush(adapter.platform, 'delta', () =>
        adapter.updateStock(shop, {
          platformProductId: m.platformProductId,
          platformSkuId: m.platformSkuId,
          quantity: delta,
          mode: 'delta',
          idempotencyId: `${skuId}-${m.shopId}-${seq}`,
        }),
      );
    } catch (e) {
      if (isIdempotentReplay(e)) return; // applied by an earlier attempt
      throw e;
    }
  }

  /**
   * Drift check: (1) pushes rows whose target differs from what the platform shows by our books;
   * (2) reads each platform's figure and, when it differs from ours and still differs the same way after
   * driftGraceMs (orders in flight explain short differences), adopts the platform's figure as the base
   * and re-pushes the target. Every observation and correction is logged with its reason in stock_drift_log.
   */
  async checkDrift(): Promise<{ checked: number; observed: number; corrected: number; errors: number }> {
    const states = await this.repo.pushStatesForDrift(this.opts.driftBatchSize);
    const out = { checked: 0, observed: 0, corrected: 0, errors: 0 };
    const snapshots = new Map<string, Awaited<ReturnType<StockRepository['snapshot']>>>();
    const toSync: { skuId: string; shopId: string }[] = [];
    const failures: string[] = [];
    for (const s of states) {
      if (!snapshots.has(s.skuId)) snapshots.set(s.skuId, await this.repo.snapshot(s.skuId));
      const snap = snapshots.get(s.skuId);
      const mapping = snap?.mappings.find((m) => m.shopId === s.shopId);
      if (!snap || !mapping) continue;
      out.checked++;
      const target = snap.sellable.perShop[s.shopId] ?? 0;
      const ownUnits = snap.ownUnits[s.shopId] ?? 0;
      const believed = believedQuantity(s, ownUnits);
      if (believed !== target || s.pendingSeq !== null) toSync.push({ skuId: s.skuId, shopId: s.shopId });
      if (believed === null || s.pendingSeq !== null) continue;
      const shop = await this.directory.get(s.shopId);
      if (!shop) continue;
      let actual: number;
      try {
        actual = await this.adapters.get(mapping.platform).getStock(shop, mapping.platformProductId, mapping.platformSkuId);
      } catch (e) {
        out.errors++;
        failures.push(`${s.skuId}/${s.shopId}: ${describeError(e)}`);
        continue;
      }
      if (actual === believed) {
        if (s.driftSeenQuantity !== null) await this.repo.markDriftSeen(s, null);
        continue;
      }
      const why = `${mapping.platform} shows ${actual}, our books say ${believed} (last pushed ${s.lastPushedQuantity}, ${ownUnits - s.ownUnitsAtPush} sold there since), target ${target}`;
      const settled = s.driftSeenQuantity === actual && s.driftSeenAt !== null && Date.now() - new Date(s.driftSeenAt).getTime() >= this.opts.driftGraceMs;
      if (!settled) {
        out.observed++;
        if (s.driftSeenQuantity !== actual) await this.repo.markDriftSeen(s, actual);
        await this.repo.logDrift({ skuId: s.skuId, shopId: s.shopId, platformQuantity: actual, expected: believed, target, action: 'observed', reason: `${why}; waiting ${this.opts.driftGraceMs} ms before correcting` });
        continue;
      }
      if (await this.repo.adoptPlatformFigure(s, actual, ownUnits)) {
        out.corrected++;
        appMetrics().stockDriftCorrections.inc({ platform: mapping.platform });
        const cause = actual > believed ? 'platform higher than our books (changed outside omnisync or a lost decrement)' : 'platform lower than our books (sales or edits we never heard of)';
        await this.repo.logDrift({ skuId: s.skuId, shopId: s.shopId, platformQuantity: actual, expected: believed, target, action: 'corrected', reason: `${why}; ${cause}; re-pushing ${target}` });
        this.logger.warn({ msg: 'stock drift corrected', skuId: s.skuId, shopId: s.shopId, platform: mapping.platform, actual, believed, target });
        toSync.push({ skuId: s.skuId, shopId: s.shopId });
      }
    }
    await this.jobs.syncStock(toSync);
    if (failures.length > 0) throw new Error(`drift check could not read ${failures.length} shop figure(s): ${failures.slice(0, 5).join('; ')}`);
    return out;
  }
}

/** one stock push to a platform, counted in omnisync_stock_pushes_total (a delta the platform already applied is ok) */
async function countPush(platform: string, mode: 'full' | 'delta', push: () => Promise<unknown>): Promise<void> {
  const pushes = appMetrics().stockPushes;
  try {
    await push();
    pushes.inc({ platform, mode, outcome: 'ok' });
  } catch (e) {
    pushes.inc({ platform, mode, outcome: isIdempotentReplay(e) ? 'ok' : 'error' });
    throw e;
  }
}

function isIdempotentReplay(e: unknown): boolean {
  return isUpstreamError(e) && /idempotent-id-existed/.test(e.details.subCode ?? e.message);
}

