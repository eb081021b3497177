import { Injectable, Logger } from '@nestjs/common';
import { isPlatform, isUpstreamError, type JobPayloads } from '@app/contracts';
import { PlatformAdapterRegistry, ShopDirectory } from '@app/platforms';
import { CatalogRepository } from '../catalog/catalog.repository';
import { isClean } from '../compliance/compliance.errors';
import { ComplianceService } from '../compliance/compliance.service';
import { buildListing } from './listing-builder';
import type { PublishOutcome } from './publish-job-outcome';
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

function describe(e: unknown): string {
  if (isUpstreamError(e)) return `${e.message}`.slice(0, 2000);
  return `error: ${e instanceof Error ? e.message : String(e)}`.slice(0, 2000);
}

/**
 * One child of a publish flow: push one product to one shop. The listing is claimed first (one job per
 * listing at a time); a stored platform product id makes it an update, never a second create. The SKU
 * mappings returned by the platform (keyed by our ERP code) are stored with history.
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

  async publishToShop(data: JobPayloads['publish-product'], attempt: AttemptInfo): Promise<PublishOutcome> {
    const { productId, shopId, platform } = data;
    if (!isPlatform(platform)) return { kind: 'failed', reason: `unknown platform ${platform}` };
    const agg = await this.repo.aggregate(null, productId);
    if (!agg) return { kind: 'failed', reason: `product ${productId} no longer exists` };
    const claim = await this.repo.claimListing(productId, shopId, platform);
    if (!claim) return { kind: 'delay', ms: BUSY_DELAY_MS, reason: 'listing is being published by another job' };
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
      const ppid = claim.platformProductId;
      const mappings = ppid ? (await this.repo.mappingsOfProduct(productId, shopId)).filter((m) => m.platformProductId === ppid) : [];
      const platformSkuIds = new Map(mappings.map((m) => [m.skuId, m.platformSkuId]));
      const stock = await this.stock.stockFor(shop, agg.skus, ppid, platformSkuIds);
      const listing = buildListing({ aggregate: agg, platform, platformProductId: ppid, platformSkuIds, stock });
      const result = await this.adapters.get(platform).upsertProduct(shop, listing);
      const skuIdByCode = new Map(agg.skus.map((s) => [s.erpSkuCode, s.id]));
      await this.repo.transaction(async (m) => {
        await this.repo.markPublished(m, productId, shopId, result.platformProductId, agg.product.version);
        for (const r of result.skus) {
          const skuId = skuIdByCode.get(r.skuCode);
          if (!skuId) continue;
          const holder = await this.repo.mappingHolder(m, shopId, r.platformSkuId);
          if (holder && holder.skuId !== skuId) {
            await this.repo.deleteMapping(m, holder.skuId, shopId, `platform sku ${r.platformSkuId} now belongs to ${r.skuCode}`);
          }
          await this.repo.writeMapping(
            m,
            { skuId, shopId, platform, platformProductId: result.platformProductId, platformSkuId: r.platformSkuId },
            ppid ? 'publish (update)' : 'publish (create)',
          );
        }
      });
      return { kind: 'done', platformProductId: result.platformProductId };
    } catch (e) {
      return this.onError(e, productId, shopId, attempt);
    }
  }

  private async onError(e: unknown, productId: string, shopId: string, attempt: AttemptInfo): Promise<PublishOutcome> {
    const reason = describe(e);
    if (isUpstreamError(e) && (e.kind === 'rate_limited' || e.kind === 'circuit_open')) {
      await this.repo.releaseListing(productId, shopId, 'pending', reason);
      return { kind: 'delay', ms: e.retryAfterMs ?? DEFAULT_THROTTLE_DELAY_MS, reason };
    }
    const retryable = isUpstreamError(e) ? e.retryable : true; // our own DB / Redis trouble: try again
    if (!retryable) return this.fail(productId, shopId, reason);
    const last = attempt.attemptsMade + 1 >= attempt.attempts;
    await this.repo.releaseListing(productId, shopId, last ? 'failed' : 'pending', reason);
    this.logger.warn({ msg: 'publish attempt failed', productId, shopId, attempt: attempt.attemptsMade + 1, last, error: reason });
    throw e; // BullMQ retries with backoff (STYLE rule 6)
  }

  private async fail(productId: string, shopId: string, reason: string): Promise<PublishOutcome> {
    await this.repo.releaseListing(productId, shopId, 'failed', reason);
    return { kind: 'failed', reason };
  }
}
