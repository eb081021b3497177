export const CATALOG_FEATURE_OPTIONS = Symbol('CATALOG_FEATURE_OPTIONS');

export interface CatalogFeatureOptions {
  /** concurrent publish-product jobs per process (CATALOG_PUBLISH_CONCURRENCY) */
  publishConcurrency: number;
  /** largest catalog file accepted by POST /products/import (bytes) */
  importMaxBytes: number;
  /** a corrected stock drift of at least this many units becomes an exception for a person (GET /exceptions) */
  driftExceptionUnits: number;
}

export const DEFAULT_CATALOG_FEATURE_OPTIONS: CatalogFeatureOptions = {
  publishConcurrency: 8,
  importMaxBytes: 20 * 1024 * 1024,
  driftExceptionUnits: 5,
};
