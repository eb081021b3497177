import { Injectable, Logger } from '@nestjs/common';
import { MAX_STORED_ERROR_CHARS, boundText, isUpstreamError, partialListingOf, type JobPayloads, type PartialListing, type Platform } from '@app/contracts';
import { appMetrics, merchantLabel } from '@app/observability';
import { PlatformAdapterRegistry, ShopDirectory, isPlatform, type PlatformAdapter, type ShopContext } from '@app/platforms';
import type { EntityManager } from 'typeorm';
import { CatalogRepository } from '../catalog/catalog.repository';
import type { ListingRecord, ProductAggregate } from '../catalog/catalog.types';
import { isClean } from '../compliance/compliance.errors';
import { ComplianceService } from '../compliance/compliance.service';
import { buildListing } from './listing-builder';
import { outcomeFor, type JobOutcome } from '@app/queue';

/** a publish ends with the platform's product id (the flow parent reads it) */
export type PublishOutcome = JobOutcome<{ platformProductId: string }>;
import { PublishStockSource } from './ports/publish-stock-source.port';

export interface AttemptInfo {
  /** attempts already made before this one (BullMQ attemptsMade) */
  attemptsMade: number;
  /** attempts allowed in total (job.opts.attempts) */
  attempts: number;
}

/** how long to wait when another job holds the listing */
const BUSY_DELAY_MS = 2000;
/** wait for a throttled / broken-circuit platform when it gives no hint */
const DEFAULT_THROTTLE_DELAY_MS = 5000;

/** the listing's lastError (shown by the publish-status API): bounded, sanitised, never an upstream body */
function describe(e: unknown): string {
  if (isUpstreamError(e)) return boundText(e.message, MAX_STORED_ERROR_CHARS);
  return boundText(`error: ${e instanceof Error ? e.message : String(e)}`, MAX_STORED_ERROR_CHARS);
}

/**
 * One child of a publish flow: push one product to one shop. The listing is claimed first (one job per
 * listing at a time); a stored platform product id makes it an update, never a second create. The SKU
 * mappings returned by the platform (keyed by our ERP code) are stored with history.
 *
 * A create can fail after the platform made the product (a follow-up SKU call throttled, our own DB write
 * failed): whatever the platform already holds (the adapter's `partialListing`, or the full result) is
 * stored before the listing is released for retry, so the retry updates that product. Where the platform
 * can look a product up by our outer id, a retry without a stored id looks first (an answer lost in transit).
 */
@Injectable()
export class PublishJobService {
  private readonly logger = new Logger(PublishJobService.name);

  constructor(
    private readonly repo: CatalogRepository,
    private readonly compliance: ComplianceService,
    private readonly adapters: PlatformAdapterRegistry,
    private readonly directory: ShopDirectory,
    private readonly stock: PublishStockSource,
  ) {}

  /**
   * One publish attempt, counted in omnisync_publish_results_total{platform, merchant, outcome}: published,
   * failed (for good), delayed (throttled, breaker open, listing busy: no attempt burned) or retried (thrown:
   * BullMQ tries again).
   */
  async publishToShop(data: JobPayloads['publish-product'], attempt: AttemptInfo): Promise<PublishOutcome> {
    const owner: { merchantId: string | null } = { merchantId: null };
    const count = (outcome: string) =>
      appMetrics().publishResults.inc({ platform: isPlatform(data.platform) ? data.platform : 'unknown', merchant: merchantLabel(owner.merchantId), outcome });
    try {
      const out = await this.publishOnce(data, attempt, owner);
      count(out.kind === 'done' ? 'published' : out.kind === 'delay' ? 'delayed' : 'failed');
      return out;
    } catch (e) {
      count('retried');
      throw e;
    }
  }

  private async publishOnce(data: JobPayloads['publish-product'], attempt: AttemptInfo, owner: { merchantId: string | null }): Promise<PublishOutcome> {
    const { productId, shopId, platform } = data;
    if (!isPlatform(platform)) return { kind: 'failed', reason: `unknown platform ${platform}` };
    const agg = await this.repo.aggregate(null, productId);
    if (!agg) return { kind: 'failed', reason: `product ${productId} no longer exists` };
    owner.merchantId = agg.product.merchantId;
    const claim = await this.repo.claimListing(productId, shopId, platform);
    if (!claim) return { kind: 'delay', ms: BUSY_DELAY_MS, reason: 'listing is being published by another job' };
    /** what the platform holds once it answered: stored even when the rest of this attempt fails */
    let held: PartialListing | null = null;
    try {
      const shop = await this.directory.get(shopId);
      if (!shop) return await this.fail(productId, shopId, `shop ${shopId} not found or disabled`);
      // checked again at run time: the product may have changed since the request was accepted
      const check = await this.compliance.checkProduct(agg.product.merchantId, agg, [platform]);
      if (!isClean(check)) {
        const words = check.violations.map((v) => `${v.word}(${v.category})@${v.field}:${v.start}`);
        const limits = check.limitViolations.map((l) => l.message);
        return await this.fail(productId, shopId, `compliance: ${[...words, ...limits].join('; ')}`);
      }
      const adapter = this.adapters.get(platform);
      let ppid = claim.platformProductId;
      if (!ppid && this.mayHaveCreated(claim, attempt) && adapter.capabilities.productLookupByOuterId) {
        const found = await this.lookUp(adapter, shop, productId);
        if (found) {
          await this.remember(productId, shopId, platform, agg, found, 'publish (found by outer id)');
          ppid = found.platformProductId;
        }
      }
      const mappings = ppid ? (await this.repo.mappingsOfProduct(productId, shopId)).filter((m) => m.platformProductId === ppid) : [];
      const platformSkuIds = new Map(mappings.map((m) => [m.skuId, m.platformSkuId]));
      const stock = await this.stock.stockFor(shop, agg.skus, ppid, platformSkuIds);
      const listing = buildListing({ aggregate: agg, platform, platformProductId: ppid, platformSkuIds, stock });
      const result = await adapter.upsertProduct(shop, listing);
      held = result;
      await this.repo.transaction(async (m) => {
        await this.repo.markPublished(m, productId, shopId, result.platformProductId, agg.product.version);
        await this.writeMappings(m, shopId, platform, agg, result, ppid ? 'publish (update)' : 'publish (create)');
      });
      return { kind: 'done', result: { platformProductId: result.platformProductId } };
    } catch (e) {
      const partial = partialListingOf(e) ?? held;
      if (partial) {
        try {
          await this.remember(productId, shopId, platform, agg, partial, 'publish (partial create)');
        } catch (storeError) {
          // nothing more we can do here; the outer-id lookup (where the platform has one) is the last net
          this.logger.error({ msg: 'could not store the product id of a partly created listing', productId, shopId, platformProductId: partial.platformProductId, error: describe(storeError) });
        }
      }
      return this.onError(e, productId, shopId, attempt);
    }
  }

  /** a previous attempt ran for this listing (BullMQ retry, or a release after a delay / failure) */
  private mayHaveCreated(claim: ListingRecord, attempt: AttemptInfo): boolean {
    return attempt.attemptsMade > 0 || claim.lastError !== null;
  }

  private async lookUp(adapter: PlatformAdapter, shop: ShopContext, productId: string): Promise<PartialListing | null> {
    const found = await adapter.findProductByOuterId(shop, productId);
    if (found) this.logger.warn({ msg: 'publish found a product created by an earlier attempt', productId, shopId: shop.shopId, platformProductId: found.platformProductId });
    return found;
  }

  /**
   * Stores what the platform holds (product id, and the SKU ids it reported) without marking the listing
   * published. If the mappings cannot be written, the product id alone is stored: that is what keeps the
   * retry from creating a second product.
   */
  private async remember(productId: string, shopId: string, platform: Platform, agg: ProductAggregate, held: PartialListing, reason: string): Promise<void> {
    try {
      await this.repo.transaction(async (m) => {
        await this.repo.setListingProduct(m, productId, shopId, held.platformProductId);
        await this.writeMappings(m, shopId, platform, agg, held, reason);
      });
    } catch (e) {
      this.logger.error({ msg: 'could not store the SKU mappings of a partly created listing; storing its product id only', productId, shopId, error: describe(e) });
      await this.repo.transaction((m) => this.repo.setListingProduct(m, productId, shopId, held.platformProductId));
    }
  }

  private async writeMappings(m: EntityManager, shopId: string, platform: Platform, agg: ProductAggregate, held: PartialListing, reason: string): Promise<void> {
    const skuIdByCode = new Map(agg.skus.map((s) => [s.erpSkuCode, s.id]));
    for (const r of held.skus) {
      const skuId = skuIdByCode.get(r.skuCode);
      if (!skuId) continue;
      const holder = await this.repo.mappingHolder(m, shopId, r.platformSkuId);
      if (holder && holder.skuId !== skuId) {
        await this.repo.deleteMapping(m, holder.skuId, shopId, `platform sku ${r.platformSkuId} now belongs to ${r.skuCode}`);
      }
      await this.repo.writeMapping(m, { skuId, shopId, platform, platformProductId: held.platformProductId, platformSkuId: r.platformSkuId }, reason);
    }
  }

  /** the one outcome table (libs/queue outcomeFor, queue clock), with the listing released or failed to match */
  private async onError(e: unknown, productId: string, shopId: string, attempt: AttemptInfo): Promise<PublishOutcome> {
    const reason = describe(e);
    const outcome = outcomeFor(e, { attempt: attempt.attemptsMade + 1, clock: 'queue', throttleDelayMs: DEFAULT_THROTTLE_DELAY_MS });
    if (outcome.kind === 'failed') return this.fail(productId, shopId, reason);
    if (outcome.kind === 'delay') {
      await this.repo.releaseListing(productId, shopId, 'pending', reason);
      return outcome;
    }
    const last = attempt.attemptsMade + 1 >= attempt.attempts;
    await this.repo.releaseListing(productId, shopId, last ? 'failed' : 'pending', reason);
    this.logger.warn({ msg: 'publish attempt failed', productId, shopId, attempt: attempt.attemptsMade + 1, last, error: reason });
    return outcome; // BullMQ retries with backoff (STYLE rule 6)
  }

  private async fail(productId: string, shopId: string, reason: string): Promise<PublishOutcome> {
    await this.repo.releaseListing(productId, shopId, 'failed', reason);
    return { kind: 'failed', reason };
  }
}
