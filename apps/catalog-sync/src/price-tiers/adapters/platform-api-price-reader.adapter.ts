import { Injectable } from '@nestjs/common';
import { PlatformAdapterRegistry, type ShopContext } from '@app/platforms';
import { PlatformPriceReader } from '../ports/platform-price-reader.port';

/**
 * Reads a SKU's price back through the platform adapter's own read API (getSkuPrice). Platforms without
 * one (capabilities.priceRead false: Taobao, whose listed APIs have no item read) give null, recorded as
 * 'unverified'. Read errors propagate: the tier service records the shop as failed and retries it.
 */
@Injectable()
export class PlatformApiPriceReader extends PlatformPriceReader {
  constructor(private readonly adapters: PlatformAdapterRegistry) {
    super();
  }

  async read(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<number | null> {
    const adapter = this.adapters.get(shop.platform);
    if (!adapter.capabilities.priceRead) return null;
    return (await adapter.getSkuPrice(shop, platformProductId, platformSkuId)).priceFen;
  }
}
