import { Body, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post, UnprocessableEntityException } from '@nestjs/common';
import { CreatePriceTiersDto } from './dto/create-price-tiers.dto';
import { PriceTiersService, TierRuleError, TierSkuNotFoundError } from './price-tiers.service';

@Controller('skus/:id')
export class PriceTiersController {
  constructor(private readonly tiers: PriceTiersService) {}

  /** 400: malformed body (class-validator); 422: a rule broken (overlap, past window, flash-sale price) naming the field */
  @Post('price-tiers')
  async create(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: CreatePriceTiersDto) {
    try {
      const created = await this.tiers.create(id, body.tiers);
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
  async prices(@Param('id', new ParseUUIDPipe()) id: string) {
    try {
      return await this.tiers.prices(id);
    } catch (e) {
      if (e instanceof TierSkuNotFoundError) throw new NotFoundException(e.message);
      throw e;
    }
  }
}
