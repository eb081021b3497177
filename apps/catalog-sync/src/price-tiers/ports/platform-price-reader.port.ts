import type { ShopContext } from '@app/platforms';

/**
 * Reads the price a platform shows for one SKU, to verify a tier after applying it. Bound to
 * PlatformApiPriceReader (adapters/), which uses each platform's read API where it has one.
 */
export abstract class PlatformPriceReader {
  /** the shown price in fen, or null when this platform's price cannot be read */
  abstract read(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<number | null>;
}
