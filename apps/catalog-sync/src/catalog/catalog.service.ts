import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { Platform } from '@app/contracts';
import { CatalogRepository, type MappingChange } from './catalog.repository';
import type { ListingRecord, OverrideRecord, ProductAggregate, ProductInput, ProductRecord, SkuMappingRecord } from './catalog.types';

export interface ProductView extends ProductAggregate {
  listings: ListingRecord[];
  skuMappings: SkuMappingRecord[];
}

function pgCode(e: unknown): string | undefined {
  return (e as { code?: string; driverError?: { code?: string } } | null)?.driverError?.code ?? (e as { code?: string } | null)?.code;
}

/** Canonical products, their SKUs and per-platform overrides; SKU mappings by explicit keys. */
@Injectable()
export class CatalogService {
  constructor(private readonly repo: CatalogRepository) {}

  async create(merchantId: string, input: ProductInput): Promise<ProductView> {
    this.assertConsistent(input);
    const id = await this.writeConflictsAs409(() =>
      this.repo.transaction(async (m) => {
        const productId = await this.repo.insertProduct(m, merchantId, input);
        const written = await this.repo.upsertSkus(m, merchantId, input.skus.map((s) => ({ ...s, productId })));
        this.assertAllSkusWritten(input, written);
        for (const o of input.overrides ?? []) await this.repo.upsertOverride(m, productId, normaliseOverride(o));
        return productId;
      }),
    );
    return this.get(merchantId, id);
  }

  /** Replaces the product: fields, SKU list (matched by ERP code; missing ones removed), overrides when given. */
  async replace(merchantId: string, id: string, input: ProductInput): Promise<ProductView> {
    this.assertConsistent(input);
    await this.writeConflictsAs409(() =>
      this.repo.transaction(async (m) => {
        if (!(await this.repo.updateProduct(m, merchantId, id, input))) throw new NotFoundException(`product ${id} not found`);
        const written = await this.repo.upsertSkus(m, merchantId, input.skus.map((s) => ({ ...s, productId: id })));
        this.assertAllSkusWritten(input, written);
        await this.repo.deleteSkusExcept(m, id, input.skus.map((s) => s.erpSkuCode));
        if (input.overrides) {
          await this.repo.deleteOverrides(m, id);
          for (const o of input.overrides) await this.repo.upsertOverride(m, id, normaliseOverride(o));
        }
      }),
    );
    return this.get(merchantId, id);
  }

  async get(merchantId: string, id: string): Promise<ProductView> {
    const agg = await this.repo.aggregate(merchantId, id);
    if (!agg) throw new NotFoundException(`product ${id} not found`);
    const [listings, skuMappings] = await Promise.all([this.repo.listings(id), this.repo.mappingsOfProduct(id)]);
    return { ...agg, listings, skuMappings };
  }

  async aggregate(merchantId: string, id: string): Promise<ProductAggregate> {
    const agg = await this.repo.aggregate(merchantId, id);
    if (!agg) throw new NotFoundException(`product ${id} not found`);
    return agg;
  }

  list(merchantId: string, limit = 50, offset = 0): Promise<{ items: ProductRecord[]; total: number }> {
    return this.repo.listProducts(merchantId, Math.min(limit, 500), offset);
  }

  async setOverride(merchantId: string, id: string, o: OverrideRecord): Promise<ProductView> {
    await this.repo.transaction(async (m) => {
      if (!(await this.repo.findProduct(merchantId, id, m))) throw new NotFoundException(`product ${id} not found`);
      await this.repo.upsertOverride(m, id, normaliseOverride(o));
      await this.repo.bumpVersion(m, id);
    });
    return this.get(merchantId, id);
  }

  async deleteOverride(merchantId: string, id: string, platform: Platform): Promise<void> {
    await this.repo.transaction(async (m) => {
      if (!(await this.repo.findProduct(merchantId, id, m))) throw new NotFoundException(`product ${id} not found`);
      if ((await this.repo.deleteOverrides(m, id, platform)) === 0) throw new NotFoundException(`no ${platform} override on product ${id}`);
      await this.repo.bumpVersion(m, id);
    });
  }

  // ---- SKU mapping (explicit keys only: ERP code + shop + platform ids, never matched by title) ----

  async setMapping(
    merchantId: string,
    w: { erpSkuCode: string; shopId: string; platformProductId: string; platformSkuId: string; reason?: string },
  ): Promise<{ change: MappingChange; mapping: SkuMappingRecord }> {
    const sku = await this.repo.skuByCode(merchantId, w.erpSkuCode);
    if (!sku) throw new NotFoundException(`no SKU with erpSkuCode ${w.erpSkuCode}`);
    const shop = await this.repo.shopOfMerchant(merchantId, w.shopId);
    if (!shop) throw new NotFoundException(`shop ${w.shopId} not found`);
    const change = await this.repo.transaction(async (m) => {
      const holder = await this.repo.mappingHolder(m, shop.id, w.platformSkuId);
      if (holder && holder.skuId !== sku.id) {
        throw new ConflictException(`platformSkuId ${w.platformSkuId} is already mapped to another SKU in shop ${shop.id}; unmap it first`);
      }
      return this.repo.writeMapping(
        m,
        { skuId: sku.id, shopId: shop.id, platform: shop.platform, platformProductId: w.platformProductId, platformSkuId: w.platformSkuId },
        w.reason ?? 'set by merchandiser',
      );
    });
    const mapping = (await this.repo.mappingsOfProduct(sku.productId, shop.id)).find((x) => x.skuId === sku.id)!;
    return { change, mapping };
  }

  async deleteMapping(merchantId: string, skuId: string, shopId: string, reason = 'removed by merchandiser'): Promise<void> {
    if (!(await this.repo.skuOfMerchant(merchantId, skuId))) throw new NotFoundException(`sku ${skuId} not found`);
    const gone = await this.repo.transaction((m) => this.repo.deleteMapping(m, skuId, shopId, reason));
    if (!gone) throw new NotFoundException(`sku ${skuId} has no mapping in shop ${shopId}`);
  }

  async mappingHistory(merchantId: string, skuId: string): ReturnType<CatalogRepository['mappingHistory']> {
    if (!(await this.repo.skuOfMerchant(merchantId, skuId))) throw new NotFoundException(`sku ${skuId} not found`);
    return this.repo.mappingHistory(skuId);
  }

  async productMappings(merchantId: string, productId: string): Promise<SkuMappingRecord[]> {
    if (!(await this.repo.findProduct(merchantId, productId))) throw new NotFoundException(`product ${productId} not found`);
    return this.repo.mappingsOfProduct(productId);
  }

  // ---- helpers ----

  private assertConsistent(input: ProductInput): void {
    const codes = new Set<string>();
    input.skus.forEach((s, i) => {
      if (codes.has(s.erpSkuCode)) throw new BadRequestException([`skus.${i}.erpSkuCode ${s.erpSkuCode} appears twice`]);
      codes.add(s.erpSkuCode);
    });
    const platforms = new Set<string>();
    (input.overrides ?? []).forEach((o, i) => {
      if (platforms.has(o.platform)) throw new BadRequestException([`overrides.${i}.platform ${o.platform} appears twice`]);
      platforms.add(o.platform);
    });
  }

  private assertAllSkusWritten(input: ProductInput, written: { erpSkuCode: string }[]): void {
    if (written.length === input.skus.length) return;
    const got = new Set(written.map((w) => w.erpSkuCode));
    const taken = input.skus.map((s, i) => [s.erpSkuCode, i] as const).filter(([c]) => !got.has(c));
    throw new ConflictException(taken.map(([c, i]) => `skus.${i}.erpSkuCode ${c} belongs to another product`));
  }

  private async writeConflictsAs409<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (pgCode(e) === '23505') {
        const detail = (e as { detail?: string; driverError?: { detail?: string } }).driverError?.detail ?? (e as { detail?: string }).detail ?? '';
        throw new ConflictException(/external_key/.test(detail) ? 'externalKey is already used by another product' : `duplicate key: ${detail}`);
      }
      throw e;
    }
  }
}

function normaliseOverride(o: Partial<OverrideRecord> & { platform: Platform }): OverrideRecord {
  return {
    platform: o.platform,
    title: o.title ?? null,
    categoryId: o.categoryId ?? null,
    attributes: o.attributes ?? null,
    priceFen: o.priceFen ?? null,
  };
}
