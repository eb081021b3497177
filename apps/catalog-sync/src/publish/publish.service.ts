import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { type Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import type { ProductListing } from '@app/platforms';
import { CatalogRepository, type ShopRef } from '../catalog/catalog.repository';
import type { ListingRecord, ListingStatus, ProductAggregate } from '../catalog/catalog.types';
import { ComplianceFailedException, isClean, type ComplianceResult } from '../compliance/compliance.errors';
import { ComplianceService, checkAggregate } from '../compliance/compliance.service';
import { buildListing } from './listing-builder';
import { PublishFlowProducer } from './publish-flow.producer';

export interface PublishAccepted {
  runId: string;
  productId: string;
  version: number;
  targets: { shopId: string; platform: Platform }[];
}

export interface BulkPublishResult {
  runId: string;
  /** products whose flows were queued */
  queued: number;
  /** listings (product x shop) queued: the run's total */
  listings: number;
  rejected: { productId: string; violations: ComplianceResult['violations']; limitViolations: ComplianceResult['limitViolations'] }[];
}

export interface PublishStatus {
  productId: string;
  version: number;
  listings: (ListingRecord & { upToDate: boolean })[];
}

export interface RunProgress {
  runId: string;
  total: number;
  counts: Record<ListingStatus, number>;
  /** every listing of the run is published or failed */
  done: boolean;
  listings: ListingRecord[];
}

export interface DryRunTarget {
  shopId: string;
  platform: Platform;
  operation: 'create' | 'update';
  listing: ProductListing;
}

/**
 * Publish requests: resolve the target shops, run the compliance check (422 before anything is queued,
 * so no platform is called), mark the listings pending and add one BullMQ flow per product.
 */
@Injectable()
export class PublishService {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly compliance: ComplianceService,
    private readonly flows: PublishFlowProducer,
  ) {}

  async publish(merchantId: string, productId: string, platforms?: Platform[]): Promise<PublishAccepted> {
    const agg = await this.mustAggregate(merchantId, productId);
    const shops = await this.targetShops(merchantId, platforms);
    const result = await this.compliance.checkProduct(merchantId, agg, uniquePlatforms(shops));
    if (!isClean(result)) throw new ComplianceFailedException(result, productId);
    const runId = randomUUID();
    await this.repo.queueListings(productId, shops, runId);
    await this.flows.add([{ runId, productId, targets: shops.map((s) => ({ shopId: s.id, platform: s.platform })), bulk: false }]);
    return { runId, productId, version: agg.product.version, targets: shops.map((s) => ({ shopId: s.id, platform: s.platform })) };
  }

  /** Many products in one run (lower priority); products failing compliance are reported, the rest queued. */
  async publishMany(merchantId: string, productIds: string[] | undefined, platforms?: Platform[]): Promise<BulkPublishResult> {
    const shops = await this.targetShops(merchantId, platforms);
    const targetPlatforms = uniquePlatforms(shops);
    const ids = productIds ?? (await this.repo.listProductIds(merchantId));
    const checker = await this.compliance.checkerFor(merchantId);
    const runId = randomUUID();
    const rejected: BulkPublishResult['rejected'] = [];
    const accepted: string[] = [];
    for (const id of ids) {
      const agg = await this.repo.aggregate(merchantId, id);
      if (!agg) throw new NotFoundException(`product ${id} not found`);
      const r = checkAggregate(checker, agg, targetPlatforms);
      if (isClean(r)) accepted.push(id);
      else rejected.push({ productId: id, ...r });
    }
    const CHUNK = 100;
    for (let i = 0; i < accepted.length; i += CHUNK) {
      const chunk = accepted.slice(i, i + CHUNK);
      for (const id of chunk) await this.repo.queueListings(id, shops, runId);
      await this.flows.add(chunk.map((id) => ({ runId, productId: id, targets: shops.map((s) => ({ shopId: s.id, platform: s.platform })), bulk: true })));
    }
    return { runId, queued: accepted.length, listings: accepted.length * shops.length, rejected };
  }

  async status(merchantId: string, productId: string): Promise<PublishStatus> {
    const agg = await this.mustAggregate(merchantId, productId);
    const listings = await this.repo.listings(productId);
    return {
      productId,
      version: agg.product.version,
      listings: listings.map((l) => ({ ...l, upToDate: l.status === 'published' && l.publishedVersion === agg.product.version })),
    };
  }

  async runProgress(merchantId: string, runId: string): Promise<RunProgress> {
    const owner = await this.repo.runMerchant(runId);
    if (owner !== merchantId) throw new NotFoundException(`publish run ${runId} not found`);
    const counts: Record<ListingStatus, number> = { pending: 0, publishing: 0, published: 0, failed: 0 };
    for (const r of await this.repo.runProgress(runId)) counts[r.status as ListingStatus] = r.n;
    const total = counts.pending + counts.publishing + counts.published + counts.failed;
    return { runId, total, counts, done: counts.pending + counts.publishing === 0, listings: await this.repo.runListings(runId) };
  }

  /** What each target shop would receive, and the compliance result; nothing is queued or sent. */
  async dryRun(merchantId: string, productId: string, platforms?: Platform[]): Promise<{ productId: string; version: number; compliance: ComplianceResult; targets: DryRunTarget[] }> {
    const agg = await this.mustAggregate(merchantId, productId);
    const shops = await this.targetShops(merchantId, platforms);
    const compliance = await this.compliance.checkProduct(merchantId, agg, uniquePlatforms(shops));
    const targets: DryRunTarget[] = [];
    for (const s of shops) {
      const listing = await this.repo.listing(productId, s.id);
      const mappings = await this.repo.mappingsOfProduct(productId, s.id);
      const ppid = listing?.platformProductId ?? null;
      targets.push({
        shopId: s.id,
        platform: s.platform,
        operation: ppid ? 'update' : 'create',
        listing: buildListing({
          aggregate: agg,
          platform: s.platform,
          platformProductId: ppid,
          platformSkuIds: new Map(mappings.filter((m) => m.platformProductId === ppid).map((m) => [m.skuId, m.platformSkuId])),
          stock: new Map(),
        }),
      });
    }
    return { productId, version: agg.product.version, compliance, targets };
  }

  private async mustAggregate(merchantId: string, productId: string): Promise<ProductAggregate> {
    const agg = await this.repo.aggregate(merchantId, productId);
    if (!agg) throw new NotFoundException(`product ${productId} not found`);
    return agg;
  }

  /** the merchant's active shops on the requested platforms (400 when a requested platform has none) */
  private async targetShops(merchantId: string, platforms?: Platform[]): Promise<ShopRef[]> {
    const shops = await this.repo.activeShops(merchantId, platforms ?? null);
    const missing = (platforms ?? []).filter((p) => !shops.some((s) => s.platform === p));
    if (missing.length > 0) throw new BadRequestException([`platforms: no active shop on ${missing.join(', ')}`]);
    if (shops.length === 0) throw new BadRequestException([`platforms: the merchant has no active shop on ${PLATFORMS.join(', ')}`]);
    return shops;
  }
}

function uniquePlatforms(shops: ShopRef[]): Platform[] {
  return [...new Set(shops.map((s) => s.platform))];
}
