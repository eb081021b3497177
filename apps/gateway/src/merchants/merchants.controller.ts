import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { MerchantView } from './merchant.view';
import { MerchantsService } from './merchants.service';

@ApiTags('merchants')
@ApiBearerAuth()
@Controller('merchants')
export class MerchantsController {
  constructor(private readonly merchants: MerchantsService) {}

  /** The merchant the calling key belongs to (any role). */
  @Get('me')
  @ApiOkResponse({ type: MerchantView })
  async me(@CurrentPrincipal() who: Principal): Promise<MerchantView> {
    return MerchantView.of(await this.merchants.get(who.merchantId));
  }
}
