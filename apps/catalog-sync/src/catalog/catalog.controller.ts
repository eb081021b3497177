import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, UseFilters, UseGuards } from '@nestjs/common';
import { type Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import { ParseEnumPipe } from '@nestjs/common';
import { ComplianceExceptionFilter } from '../compliance/compliance.errors';
import { CatalogRoles, MerchantContextGuard, MerchantId } from './auth/merchant-context.guard';
import { CatalogService } from './catalog.service';
import { ListQueryDto, OverrideBodyDto, ProductDto, SkuMappingDto } from './dto/product.dto';

const PlatformParam = new ParseEnumPipe(Object.fromEntries(PLATFORMS.map((p) => [p, p])));

/**
 * Canonical catalog API (merchandiser or admin). The merchant comes from the gateway's x-omnisync-merchant-id
 * header (see MerchantContextGuard).
 */
@Controller()
@UseGuards(MerchantContextGuard)
@UseFilters(ComplianceExceptionFilter)
@CatalogRoles('merchandiser', 'admin')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Post('products')
  create(@MerchantId() merchantId: string, @Body() body: ProductDto) {
    return this.catalog.create(merchantId, body);
  }

  @Get('products')
  list(@MerchantId() merchantId: string, @Query() q: ListQueryDto) {
    return this.catalog.list(merchantId, q.limit, q.offset);
  }

  @Get('products/:id')
  get(@MerchantId() merchantId: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.catalog.get(merchantId, id);
  }

  @Put('products/:id')
  replace(@MerchantId() merchantId: string, @Param('id', ParseUUIDPipe) id: string, @Body() body: ProductDto) {
    return this.catalog.replace(merchantId, id, body);
  }

  @Put('products/:id/overrides/:platform')
  setOverride(
    @MerchantId() merchantId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('platform', PlatformParam) platform: Platform,
    @Body() body: OverrideBodyDto,
  ) {
    return this.catalog.setOverride(merchantId, id, {
      platform,
      title: body.title ?? null,
      categoryId: body.categoryId ?? null,
      attributes: body.attributes ?? null,
      priceFen: body.priceFen ?? null,
    });
  }

  @Delete('products/:id/overrides/:platform')
  @HttpCode(204)
  async deleteOverride(@MerchantId() merchantId: string, @Param('id', ParseUUIDPipe) id: string, @Param('platform', PlatformParam) platform: Platform) {
    await this.catalog.deleteOverride(merchantId, id, platform);
  }

  @Get('products/:id/sku-mappings')
  productMappings(@MerchantId() merchantId: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.catalog.productMappings(merchantId, id);
  }

  /** sets a mapping by explicit keys (ERP code + shop + platform product and SKU ids) */
  @Put('sku-mappings')
  setMapping(@MerchantId() merchantId: string, @Body() body: SkuMappingDto) {
    return this.catalog.setMapping(merchantId, body);
  }

  @Delete('skus/:skuId/mappings/:shopId')
  @HttpCode(204)
  async deleteMapping(@MerchantId() merchantId: string, @Param('skuId', ParseUUIDPipe) skuId: string, @Param('shopId', ParseUUIDPipe) shopId: string) {
    await this.catalog.deleteMapping(merchantId, skuId, shopId);
  }

  @Get('skus/:skuId/mapping-history')
  history(@MerchantId() merchantId: string, @Param('skuId', ParseUUIDPipe) skuId: string) {
    return this.catalog.mappingHistory(merchantId, skuId);
  }
}
