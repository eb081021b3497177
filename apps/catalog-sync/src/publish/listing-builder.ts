import type { Platform } from '@app/contracts';
import type { ProductListing } from '@app/platforms';
import type { ProductAggregate } from '../catalog/catalog.types';

export interface BuildListingInput {
  aggregate: ProductAggregate;
  platform: Platform;
  /** stored platform product id of this shop's listing: set = update, never a second create */
  platformProductId: string | null;
  /** sku id -> platform sku id (this shop's mappings) */
  platformSkuIds: ReadonlyMap<string, string>;
  /** sku id -> stock to send (creates need one; see PublishStockSource) */
  stock: ReadonlyMap<string, number>;
}

/** The listing a platform receives: the canonical product with that platform's overrides applied. */
export function buildListing(i: BuildListingInput): ProductListing {
  const { product, skus, overrides } = i.aggregate;
  const o = overrides.find((x) => x.platform === i.platform);
  return {
    ...(i.platformProductId ? { platformProductId: i.platformProductId } : {}),
    outerProductId: product.id,
    title: o?.title ?? product.title,
    description: product.description,
    images: product.images,
    categoryId: o?.categoryId ?? product.category,
    attributes: { ...product.attributes, ...(o?.attributes ?? {}) },
    skus: skus.map((s) => {
      const platformSkuId = i.platformSkuIds.get(s.id);
      return {
        skuCode: s.erpSkuCode,
        ...(platformSkuId ? { platformSkuId } : {}),
        specs: s.specValues,
        priceFen: o?.priceFen ?? s.salePriceFen,
        originalPriceFen: s.listPriceFen,
        stock: i.stock.get(s.id) ?? 0,
        ...(s.barcode ? { barcode: s.barcode } : {}),
      };
    }),
  };
}

/** Which field name a violation in the effective title refers to (the override's when it has one). */
export function titleFieldFor(aggregate: ProductAggregate, platform: Platform): string {
  return aggregate.overrides.find((x) => x.platform === platform)?.title != null ? `overrides.${platform}.title` : 'title';
}
