import { Body, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post, UnprocessableEntityException, UseGuards } from '@nestjs/common';
import { CatalogRoles, MerchantContextGuard, MerchantId } from '../catalog/auth/merchant-context.guard';
import { CreatePriceTiersDto } from './dto/create-price-tiers.dto';
import { PriceTiersService, TierRuleError, TierSkuNotFoundError } from './price-tiers.service';

/** Price tiers of the caller's SKUs (merchant from MerchantContextGuard); another merchant's SKU answers 404. */
@Controller('skus/:id')
@UseGuards(MerchantContextGuard)
export class PriceTiersController {
  constructor(private readonly tiers: PriceTiersService) {}

  /** 400: malformed body (class-validator); 422: a rule broken (overlap, past window, flash-sale price) naming the field */
  @Post('price-tiers')
  @CatalogRoles('merchandiser', 'admin')
  async create(@MerchantId() merchantId: string, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: CreatePriceTiersDto) {
    try {
      const created = await this.tiers.create(merchantId, id, body.tiers);
      return {
        tiers: created.map((t) => ({ id: t.id, kind: t.kind, priceFen: t.priceFen, startsAt: t.startsAt.toISOString(), endsAt: t.endsAt.toISOString(), status: t.status })),
      };
    } catch (e) {
      if (e instanceof TierRuleError) throw new UnprocessableEntityException(e.violations.map((v) => `${v.field} ${v.message}`));
      if (e instanceof TierSkuNotFoundError) throw new NotFoundException(e.message);
      throw e;
    }
  }

  @Get('prices')
  @CatalogRoles('merchandiser', 'admin', 'ops')
  async prices(@MerchantId() merchantId: string, @Param('id', new ParseUUIDPipe()) id: string) {
    try {
      return await this.tiers.prices(merchantId, id);
    } catch (e) {
      if (e instanceof TierSkuNotFoundError) throw new NotFoundException(e.message);
      throw e;
    }
  }
}
