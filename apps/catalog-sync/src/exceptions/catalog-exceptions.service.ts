import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { exceptionTypeOf, EXCEPTION_SERVICE, type OpsException } from '@app/contracts';
import { isPlatform } from '@app/platforms';
import { CATALOG_FEATURE_OPTIONS, type CatalogFeatureOptions } from '../catalog/catalog-feature.options';
import { PublishService } from '../publish/publish.service';
import { CatalogExceptionsRepository } from './catalog-exceptions.repository';

const iso = (d: Date): string => new Date(d).toISOString();

/**
 * catalog-sync's part of the exception inbox: listings that failed to publish (retry publishes the product to
 * that platform again), stock drift the checker corrected beyond `driftExceptionUnits` (already corrected:
 * for a person to find out why — a sale outside omnisync, a platform-side edit), and platform SKUs orders named
 * that match none of ours (their orders reserve no stock until the SKU is mapped).
 */
@Injectable()
export class CatalogExceptionsService {
  constructor(
    private readonly repo: CatalogExceptionsRepository,
    private readonly publisher: PublishService,
    @Inject(CATALOG_FEATURE_OPTIONS) private readonly opts: CatalogFeatureOptions,
  ) {}

  async list(merchantId: string): Promise<OpsException[]> {
    const [listings, drift, unmapped] = await Promise.all([
      this.repo.failedListings(merchantId),
      this.repo.driftCorrected(merchantId, this.opts.driftExceptionUnits),
      this.repo.unmappedSkus(merchantId),
    ]);
    return [
      ...listings.map((l): OpsException => ({
        key: `publish_failed:${l.product_id}:${l.shop_id}:${l.stamp}`,
        type: 'publish_failed',
        severity: 'warning',
        since: iso(l.since),
        title: { zh: `商品发布失败: ${l.title} (${l.platform})`, en: `Publish failed: ${l.title} (${l.platform})` },
        context: { productId: l.product_id, shopId: l.shop_id, platform: l.platform, lastError: l.last_error },
        actions: ['retry', 'resolve'],
      })),
      ...drift.map((d): OpsException => ({
        key: `stock_drift:${d.id}`,
        type: 'stock_drift',
        severity: 'warning',
        since: iso(d.since),
        title: {
          zh: `库存偏差已纠正: ${d.erp_sku_code} (${d.platform}) 平台 ${d.platform_quantity}, 应为 ${d.expected_quantity}`,
          en: `Stock drift corrected: ${d.erp_sku_code} (${d.platform}) platform showed ${d.platform_quantity}, expected ${d.expected_quantity}`,
        },
        context: { skuId: d.sku_id, erpSkuCode: d.erp_sku_code, shopId: d.shop_id, platform: d.platform, platformQuantity: d.platform_quantity, expectedQuantity: d.expected_quantity, targetQuantity: d.target_quantity, reason: d.reason },
        actions: ['resolve'],
      })),
      ...unmapped.map((u): OpsException => ({
        // gone by itself once the SKU is mapped (or its ERP code is ours); until then its orders reserve no stock
        key: `unmapped_sku:${u.shop_id}:${u.platform_sku_id}`,
        type: 'unmapped_sku',
        severity: 'warning',
        since: iso(u.since),
        title: {
          zh: `未映射的平台 SKU: ${u.platform_sku_id} (${u.platform}), ${u.lines} 个订单行未占用库存`,
          en: `Unmapped platform SKU: ${u.platform_sku_id} (${u.platform}), ${u.lines} order lines reserved no stock`,
        },
        context: { shopId: u.shop_id, platform: u.platform, platformSkuId: u.platform_sku_id, erpSkuCode: u.erp_sku_code, lines: u.lines, lastOrderId: u.last_order_id, lastSeenAt: iso(u.last_seen_at) },
        actions: ['resolve'],
      })),
    ].sort((a, b) => b.since.localeCompare(a.since));
  }

  async resolve(merchantId: string, key: string, note: string | null): Promise<{ key: string; resolved: true }> {
    await this.openOne(merchantId, key);
    await this.repo.resolve(merchantId, key, note);
    return { key, resolved: true };
  }

  async retry(merchantId: string, key: string): Promise<{ key: string; retried: true; runId: string }> {
    const ex = await this.openOne(merchantId, key);
    const platform = ex.context.platform;
    if (ex.type !== 'publish_failed' || !isPlatform(platform)) throw new BadRequestException(`key: a ${ex.type} exception has no retry (resolve it instead)`);
    const accepted = await this.publisher.publish(merchantId, String(ex.context.productId), [platform]);
    return { key, retried: true, runId: accepted.runId };
  }

  private async openOne(merchantId: string, key: string): Promise<OpsException> {
    const type = exceptionTypeOf(key);
    if (!type || EXCEPTION_SERVICE[type] !== 'catalog-sync') throw new BadRequestException(`key: "${key}" is not a catalog-sync exception key`);
    const found = (await this.list(merchantId)).find((e) => e.key === key);
    if (!found) throw new NotFoundException(`exception ${key} not found (resolved, gone, or not yours)`);
    return found;
  }
}
