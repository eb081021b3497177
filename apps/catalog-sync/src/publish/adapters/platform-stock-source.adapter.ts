import { Injectable } from '@nestjs/common';
import { PlatformAdapterRegistry, type ShopContext } from '@app/platforms';
import type { SkuRecord } from '../../catalog/catalog.types';
import { PublishStockSource } from '../ports/publish-stock-source.port';

/**
 * Default PublishStockSource: new SKUs start at 0 (the stock sync fills them in), SKUs already on the
 * platform keep the platform's current quantity (read with getStock), so a re-publish never changes stock.
 */
@Injectable()
export class PlatformStockSource extends PublishStockSource {
  constructor(private readonly adapters: PlatformAdapterRegistry) {
    super();
  }

  async stockFor(
    shop: ShopContext,
    skus: SkuRecord[],
    platformProductId: string | null,
    platformSkuIds: ReadonlyMap<string, string>,
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!platformProductId) return out;
    const adapter = this.adapters.get(shop.platform);
    for (const s of skus) {
      const psid = platformSkuIds.get(s.id);
      if (psid) out.set(s.id, await adapter.getStock(shop, platformProductId, psid));
    }
    return out;
  }
}
