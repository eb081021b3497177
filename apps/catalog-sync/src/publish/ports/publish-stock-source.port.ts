import type { ShopContext } from '@app/platforms';
import type { SkuRecord } from '../../catalog/catalog.types';

/**
 * The stock a publish sends with each SKU. Creating a listing needs a quantity, and on Douyin and Taobao
 * an update rewrites it too, so a publish must not reset stock the stock sync has set. The stock feature
 * can bind its own implementation (its allocation); the default keeps what the platform shows.
 */
export abstract class PublishStockSource {
  /** sku id -> quantity to send; SKUs absent from the map are sent with 0 */
  abstract stockFor(
    shop: ShopContext,
    skus: SkuRecord[],
    platformProductId: string | null,
    platformSkuIds: ReadonlyMap<string, string>,
  ): Promise<Map<string, number>>;
}
