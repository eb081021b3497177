import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUE, isUpstreamError, type Platform } from '@app/contracts';
import { PlatformAdapterRegistry, ShopDirectory } from '@app/platforms';
import { enqueue } from '@app/queue';
import { describeError, DONE, outcomeFor, type JobOutcome } from '@app/queue';
import { checkTiers, nextChange, priceAt, type PriceTierKind, type RuleViolation, type TierWindow } from './price-tier.rules';
import { PlatformPriceReader } from './ports/platform-price-reader.port';

export class TierRuleError extends Error {
  constructor(readonly violations: RuleViolation[]) {
    super(violations.map((v) => `${v.field} ${v.message}`).join('; '));
  }
}
export class TierSkuNotFoundError extends Error {}

export interface NewTier {
  kind: PriceTierKind;
  priceFen: number;
  startsAt: string;
  endsAt: string;
}

interface TierRow extends TierWindow {
  id: string;
  skuId: string;
  status: 'scheduled' | 'active' | 'ended' | 'cancelled';
}

interface SkuPrices {
  salePriceFen: number;
  listPriceFen: number;
  mappings: { shopId: string; platform: Platform; platformProductId: string; platformSkuId: string }[];
}

/**
 * Scheduled price tiers: validated on create, applied on every mapped shop at starts_at and reverted at
 * ends_at by delayed jobs (`tier-<id>-apply`, `tier-<id>-revert`), each shop's result read back and recorded.
 */
@Injectable()
export class PriceTiersService {
  private readonly logger = new Logger(PriceTiersService.name);

  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUE.PRICE_TIERS) private readonly queue: Queue,
    private readonly adapters: PlatformAdapterRegistry,
    private readonly directory: ShopDirectory,
    private readonly reader: PlatformPriceReader,
  ) {}

  /** `merchantId`: the caller's merchant; a SKU of another merchant is "not found" */
  async create(merchantId: string, skuId: string, tiers: NewTier[]): Promise<TierRow[]> {
    const now = new Date();
    const windows: TierWindow[] = tiers.map((t) => ({ kind: t.kind, priceFen: t.priceFen, startsAt: new Date(t.startsAt), endsAt: new Date(t.endsAt) }));
    const created = await this.ds.transaction(async (em) => {
      // the SKU row lock serialises tier creation per SKU, so two requests cannot both pass the overlap check
      const [sku] = await em.query(`SELECT sale_price_fen FROM catalog_sync.skus WHERE id = $1 AND merchant_id = $2 FOR UPDATE`, [skuId, merchantId]);
      if (!sku) throw new TierSkuNotFoundError(`sku ${skuId} not found`);
      const existing = await this.liveTiers(skuId, em.query.bind(em));
      const violations = checkTiers(windows, existing, sku.sale_price_fen, now);
      if (violations.length > 0) throw new TierRuleError(violations);
      const rows: { id: string }[] = await em.query(
        `INSERT INTO catalog_sync.price_tiers (sku_id, kind, price_fen, starts_at, ends_at)
         SELECT $1, * FROM unnest($2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[]) RETURNING id`,
        [skuId, windows.map((w) => w.kind), windows.map((w) => w.priceFen), windows.map((w) => w.startsAt.toISOString()), windows.map((w) => w.endsAt.toISOString())],
      );
      return rows.map((r, i): TierRow => ({ ...windows[i], id: r.id, skuId, status: 'scheduled' }));
    });
    for (const t of created) {
      await enqueue(this.queue, 'apply-price-tier', { v: 1, tierId: t.id, action: 'apply' }, { jobId: `tier-${t.id}-apply`, delay: Math.max(0, t.startsAt.getTime() - Date.now()) });
      await enqueue(this.queue, 'apply-price-tier', { v: 1, tierId: t.id, action: 'revert' }, { jobId: `tier-${t.id}-revert`, delay: Math.max(0, t.endsAt.getTime() - Date.now()) });
    }
    return created;
  }

  /**
   * apply: the tier's price on every mapped shop (skipped when its window is already over);
   * revert: the price in force after the window (a following tier's, else the SKU's sale price).
   * Shops already done for this tier and action are skipped, so a retried job repeats only failures.
   */
  async run(tierId: string, action: 'apply' | 'revert'): Promise<JobOutcome> {
    const [row] = await this.ds.query(`SELECT * FROM catalog_sync.price_tiers WHERE id = $1`, [tierId]);
    if (!row || row.status === 'cancelled') return DONE;
    const tier = toTier(row);
    const now = new Date();
    if (action === 'apply' && tier.endsAt <= now) {
      await this.setStatus(tierId, 'ended');
      return DONE;
    }
    const sku = await this.skuPrices(tier.skuId);
    const tiers = await this.liveTiers(tier.skuId, this.ds.query.bind(this.ds));
    const priceFen = action === 'apply' ? tier.priceFen : priceAt(tiers.filter((t) => t.id !== tierId), sku.salePriceFen, now).priceFen;
    const done: { shop_id: string }[] = await this.ds.query(
      `SELECT shop_id FROM catalog_sync.price_tier_applications WHERE tier_id = $1 AND action = $2 AND verification IN ('verified', 'unverified')`,
      [tierId, action],
    );
    const skip = new Set(done.map((d) => d.shop_id));
    let retryLater: unknown = null;
    let throttled: JobOutcome | null = null;
    for (const m of sku.mappings) {
      if (skip.has(m.shopId)) continue;
      const shop = await this.directory.get(m.shopId);
      if (!shop) continue;
      try {
        const adapter = this.adapters.get(m.platform);
        await adapter.updatePrice(shop, {
          platformProductId: m.platformProductId,
          platformSkuId: m.platformSkuId,
          priceFen,
          ...(sku.listPriceFen > priceFen ? { originalPriceFen: sku.listPriceFen } : {}),
        });
        const readBack = await this.reader.read(shop, m.platformProductId, m.platformSkuId);
        const verification = readBack === null ? 'unverified' : readBack === priceFen ? 'verified' : 'mismatch';
        await this.record(tierId, m.shopId, action, priceFen, { verification, readBack, error: null });
        if (verification === 'mismatch') {
          this.logger.warn({ msg: 'price read back differs', tierId, action, shopId: m.shopId, platform: m.platform, expected: priceFen, readBack });
          retryLater ??= new Error(`shop ${m.shopId} shows ${readBack}, expected ${priceFen}`);
        }
      } catch (e) {
        await this.record(tierId, m.shopId, action, priceFen, { verification: 'failed', readBack: null, error: describeError(e) });
        if (!isUpstreamError(e)) throw e; // our own trouble: stop here, BullMQ retries the whole run
        const outcome = outcomeFor(e, { attempt: 1, clock: 'queue' });
        if (outcome.kind === 'delay') throttled ??= outcome;
        else if (outcome.kind === 'retry') retryLater ??= e;
        else this.logger.warn({ msg: 'price tier not accepted by platform', tierId, action, shopId: m.shopId, platform: m.platform, error: e.message });
      }
    }
    if (throttled) return throttled;
    if (retryLater) throw retryLater;
    await this.setStatus(tierId, action === 'apply' ? 'active' : 'ended');
    return DONE;
  }

  /** per shop: the price shown now (by our applications) and the next scheduled change */
  async prices(merchantId: string, skuId: string) {
    const sku = await this.skuPrices(skuId, merchantId);
    const tiers = await this.liveTiers(skuId, this.ds.query.bind(this.ds), true);
    const now = new Date();
    const scheduledNow = priceAt(tiers, sku.salePriceFen, now);
    const next = nextChange(tiers, sku.salePriceFen, now);
    const applied: { shop_id: string; price_fen: number; read_back_price_fen: number | null; verification: string; applied_at: Date }[] = await this.ds.query(
      `SELECT DISTINCT ON (a.shop_id) a.shop_id, a.price_fen, a.read_back_price_fen, a.verification, a.applied_at
         FROM catalog_sync.price_tier_applications a JOIN catalog_sync.price_tiers t ON t.id = a.tier_id
        WHERE t.sku_id = $1 AND a.applied_at IS NOT NULL AND a.verification <> 'failed'
        ORDER BY a.shop_id, a.applied_at DESC`,
      [skuId],
    );
    const byShop = new Map(applied.map((a) => [a.shop_id, a]));
    return {
      skuId,
      basePriceFen: sku.salePriceFen,
      scheduledPriceFen: scheduledNow.priceFen,
      activeTier: scheduledNow.tier ? { id: scheduledNow.tier.id, kind: scheduledNow.tier.kind } : null,
      platforms: sku.mappings.map((m) => {
        const a = byShop.get(m.shopId);
        return {
          shopId: m.shopId,
          platform: m.platform,
          priceFen: a ? (a.read_back_price_fen ?? a.price_fen) : sku.salePriceFen,
          verification: a?.verification ?? null,
          since: a ? new Date(a.applied_at).toISOString() : null,
          nextChange: next ? { at: next.at.toISOString(), priceFen: next.priceFen, tier: next.tier ? { id: next.tier.id, kind: next.tier.kind } : null } : null,
        };
      }),
    };
  }

  /** with `merchantId`: only that merchant's SKU (another merchant's is "not found") */
  private async skuPrices(skuId: string, merchantId: string | null = null): Promise<SkuPrices> {
    const [row] = await this.ds.query(
      `SELECT s.sale_price_fen, s.list_price_fen,
              (SELECT coalesce(json_agg(json_build_object('shopId', m.shop_id, 'platform', m.platform,
                        'platformProductId', m.platform_product_id, 'platformSkuId', m.platform_sku_id) ORDER BY m.shop_id), '[]')
                 FROM catalog_sync.sku_mappings m JOIN core.shops sh ON sh.id = m.shop_id AND sh.status <> 'disabled'
                WHERE m.sku_id = s.id) AS mappings
         FROM catalog_sync.skus s WHERE s.id = $1 AND ($2::uuid IS NULL OR s.merchant_id = $2::uuid)`,
      [skuId, merchantId],
    );
    if (!row) throw new TierSkuNotFoundError(`sku ${skuId} not found`);
    return { salePriceFen: row.sale_price_fen, listPriceFen: row.list_price_fen, mappings: row.mappings };
  }

  private async liveTiers(skuId: string, query: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>, includeEnded = false): Promise<TierRow[]> {
    const rows = await query(
      `SELECT * FROM catalog_sync.price_tiers WHERE sku_id = $1 AND status <> 'cancelled' ${includeEnded ? '' : `AND (status <> 'ended')`} ORDER BY starts_at`,
      [skuId],
    );
    return rows.map(toTier);
  }

  private async record(
    tierId: string,
    shopId: string,
    action: 'apply' | 'revert',
    priceFen: number,
    r: { verification: string; readBack: number | null; error: string | null },
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO catalog_sync.price_tier_applications (tier_id, shop_id, action, price_fen, applied_at, verified_at, verification, read_back_price_fen, last_error)
       VALUES ($1, $2, $3, $4, CASE WHEN $5 <> 'failed' THEN now() END, CASE WHEN $5 IN ('verified', 'mismatch') THEN now() END, $5, $6, $7)
       ON CONFLICT (tier_id, shop_id, action) DO UPDATE SET price_fen = EXCLUDED.price_fen,
              applied_at = coalesce(EXCLUDED.applied_at, catalog_sync.price_tier_applications.applied_at),
              verified_at = EXCLUDED.verified_at, verification = EXCLUDED.verification,
              read_back_price_fen = EXCLUDED.read_back_price_fen, last_error = EXCLUDED.last_error`,
      [tierId, shopId, action, priceFen, r.verification, r.readBack, r.error],
    );
  }

  private async setStatus(tierId: string, status: TierRow['status']): Promise<void> {
    await this.ds.query(`UPDATE catalog_sync.price_tiers SET status = $2 WHERE id = $1 AND status <> 'cancelled'`, [tierId, status]);
  }
}

function toTier(r: Record<string, unknown>): TierRow {
  return {
    id: r.id as string,
    skuId: r.sku_id as string,
    kind: r.kind as PriceTierKind,
    priceFen: r.price_fen as number,
    startsAt: new Date(r.starts_at as string),
    endsAt: new Date(r.ends_at as string),
    status: r.status as TierRow['status'],
  };
}
