import { BaseEnv, IntEnv } from '@app/config';

/** catalog-sync: products, SKUs, publish fan-out, stock, price tiers. Defaults documented in .env.example. */
export class CatalogSyncEnv extends BaseEnv {
  override PORT = 3002;
  override METRICS_PORT = 9402;

  /** publish jobs at a time per platform (each platform has its own queue and worker, docs/adr/0019) */
  @IntEnv(1) CATALOG_PUBLISH_CONCURRENCY: number = 8;
  /** background calls wait for their QPS slot rather than being refused and retried (see BaseEnv) */
  override PLATFORM_QPS_MAX_WAIT_MS = 1000;
  @IntEnv(1) STOCK_SYNC_CONCURRENCY: number = 8;
  @IntEnv(1) PRICE_TIERS_CONCURRENCY: number = 2;
  /** units held back from every platform's sellable stock */
  @IntEnv(0) SAFETY_STOCK: number = 0;
}
