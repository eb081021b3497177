import type { ShopContext } from '@app/platforms';

/**
 * Reads the price a platform shows for one SKU, to verify a tier after applying it. The PlatformAdapter
 * port has no price read, so production binds NoPlatformPriceReader (applications are recorded as
 * 'unverified'); tests bind a reader over the simulators.
 */
export abstract class PlatformPriceReader {
  /** the shown price in fen, or null when this platform's price cannot be read */
  abstract read(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<number | null>;
}

export class NoPlatformPriceReader extends PlatformPriceReader {
  async read(): Promise<number | null> {
    return null;
  }
}
