import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Public, Roles } from '../../auth/decorators';
import type { Principal } from '../../auth/principal';
import { ShopView } from '../dto/shop.view';
import { AuthorizeShopDto, AuthorizeShopView } from './authorize-shop.dto';
import { ShopOauthService } from './shop-oauth.service';

interface StatusTarget {
  status(code: number): StatusTarget;
  json(body: unknown): unknown;
}

@ApiTags('shops')
@Controller('shops')
export class ShopOauthController {
  constructor(private readonly oauth: ShopOauthService) {}

  @Post('authorize')
  @ApiBearerAuth()
  @Roles('admin')
  @ApiCreatedResponse({ type: AuthorizeShopView })
  @ApiConflictResponse({ description: "the app key is another merchant's app" })
  authorize(@CurrentPrincipal() who: Principal, @Body() dto: AuthorizeShopDto): Promise<AuthorizeShopView> {
    return this.oauth.authorize(who.merchantId, dto);
  }

  /**
   * Where the platform sends the seller back. No API key (a browser redirect): the single-use state proves
   * which merchant asked. 201 with the new shop, 200 when an existing shop of the merchant was re-authorised.
   */
  @Get('oauth/callback/:platform')
  @Public()
  @ApiOkResponse({ type: ShopView })
  @ApiBadRequestResponse({ description: 'state unknown, expired or used; code refused' })
  @ApiConflictResponse({ description: "the platform shop is another merchant's" })
  async callback(@Param('platform') platform: string, @Query('code') code: unknown, @Query('state') state: unknown, @Res() res: StatusTarget): Promise<void> {
    const { view, created } = await this.oauth.callback(platform, code, state);
    res.status(created ? 201 : 200).json(view);
  }
}
