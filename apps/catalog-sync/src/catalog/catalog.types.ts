import type { Platform } from '@app/contracts';

/** Plain read models of the catalog tables (no entities leave the repository). Money in integer fen. */
export interface ProductRecord {
  id: string;
  merchantId: string;
  externalKey: string | null;
  title: string;
  description: string;
  images: string[];
  category: string;
  attributes: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SkuRecord {
  id: string;
  productId: string;
  erpSkuCode: string;
  barcode: string | null;
  specValues: Record<string, string>;
  listPriceFen: number;
  salePriceFen: number;
  weightGrams: number | null;
}

export interface OverrideRecord {
  platform: Platform;
  title: string | null;
  categoryId: string | null;
  attributes: Record<string, string> | null;
  /** replaces the sale price of every SKU on this platform */
  priceFen: number | null;
}

export type ListingStatus = 'pending' | 'publishing' | 'published' | 'failed';

export interface ListingRecord {
  productId: string;
  shopId: string;
  platform: Platform;
  platformProductId: string | null;
  status: ListingStatus;
  lastError: string | null;
  publishedVersion: number | null;
  publishRunId: string | null;
  publishedAt: string | null;
  updatedAt: string;
}

export interface SkuMappingRecord {
  skuId: string;
  erpSkuCode: string;
  shopId: string;
  platform: Platform;
  platformProductId: string;
  platformSkuId: string;
  updatedAt: string;
}

export interface ProductAggregate {
  product: ProductRecord;
  skus: SkuRecord[];
  overrides: OverrideRecord[];
}

/** Input of create / replace (already validated). */
export interface ProductInput {
  externalKey?: string | null;
  title: string;
  description?: string;
  images?: string[];
  category: string;
  attributes?: Record<string, string>;
  skus: SkuInput[];
  overrides?: (Omit<OverrideRecord, 'title' | 'categoryId' | 'attributes' | 'priceFen'> & Partial<OverrideRecord>)[];
}

export interface SkuInput {
  erpSkuCode: string;
  barcode?: string | null;
  specValues?: Record<string, string>;
  listPriceFen: number;
  salePriceFen: number;
  weightGrams?: number | null;
}
