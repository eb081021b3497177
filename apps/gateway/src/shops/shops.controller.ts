import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { CurrentPrincipal, OperatorMayActFor, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { UuidParam } from '../auth/uuid-param';
import { CreateShopDto } from './dto/create-shop.dto';
import { ShopView } from './dto/shop.view';
import { UpdateShopDto } from './dto/update-shop.dto';
import { ShopsService } from './shops.service';

@ApiTags('shops')
@ApiBearerAuth()
@Controller('shops')
export class ShopsController {
  constructor(
    private readonly shops: ShopsService,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: ShopView })
  @ApiConflictResponse({ description: 'the platform shop is already registered' })
  async create(@CurrentPrincipal() who: Principal, @Body() dto: CreateShopDto): Promise<ShopView> {
    const shop = await this.shops.create(who.merchantId, dto);
    await this.audit.record(who, 'shop.create', { type: 'shop', id: shop.id }, { platform: shop.platform, platformShopId: shop.platformShopId });
    return shop;
  }

  @Get()
  @OperatorMayActFor()
  @Roles('admin', 'ops', 'merchandiser')
  @ApiOkResponse({ type: ShopView, isArray: true })
  list(@CurrentPrincipal() who: Principal): Promise<ShopView[]> {
    return this.shops.list(who.merchantId);
  }

  @Get(':id')
  @Roles('admin', 'ops', 'merchandiser')
  @ApiOkResponse({ type: ShopView })
  @ApiNotFoundResponse({ description: 'no such shop among this merchant’s shops' })
  get(@CurrentPrincipal() who: Principal, @UuidParam('id') id: string): Promise<ShopView> {
    return this.shops.get(who.merchantId, id);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: ShopView })
  @ApiNotFoundResponse()
  async update(@CurrentPrincipal() who: Principal, @UuidParam('id') id: string, @Body() dto: UpdateShopDto): Promise<ShopView> {
    const shop = await this.shops.update(who.merchantId, id, dto);
    // the names of the changed fields only: their values may be credentials
    await this.audit.record(who, 'shop.update', { type: 'shop', id }, { fields: Object.keys(dto).sort() });
    return shop;
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: ShopView, description: 'the shop, now disabled' })
  @ApiNotFoundResponse()
  async disable(@CurrentPrincipal() who: Principal, @UuidParam('id') id: string): Promise<ShopView> {
    const shop = await this.shops.disable(who.merchantId, id);
    await this.audit.record(who, 'shop.disable', { type: 'shop', id });
    return shop;
  }
}
