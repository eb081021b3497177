import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { PlatformApp } from '@app/persistence';
import type { Repository } from 'typeorm';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { PlatformAppView, RegisterPlatformAppDto } from './dto/register-platform-app.dto';
import { ShopsService } from './shops.service';

/** A merchant's self-developed platform apps (the operator's ISV apps are configuration, never listed here). */
@ApiTags('shops')
@ApiBearerAuth()
@Controller('platform-apps')
export class PlatformAppsController {
  constructor(
    private readonly shops: ShopsService,
    @InjectRepository(PlatformApp) private readonly apps: Repository<PlatformApp>,
  ) {}

  /** Registers the app (before OAuth onboarding with it); 409 when the key is already registered elsewhere. */
  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: PlatformAppView })
  @ApiConflictResponse({ description: 'the app key is already registered (whose is never said)' })
  async register(@CurrentPrincipal() who: Principal, @Body() dto: RegisterPlatformAppDto): Promise<PlatformAppView> {
    await this.shops.claimApp(who.merchantId, dto.platform, dto.appKey, dto.appSecret);
    return { platform: dto.platform, appKey: dto.appKey };
  }

  @Get()
  @Roles('admin', 'ops')
  @ApiOkResponse({ type: PlatformAppView, isArray: true })
  async list(@CurrentPrincipal() who: Principal): Promise<PlatformAppView[]> {
    const rows = await this.apps.find({ where: { merchantId: who.merchantId }, order: { createdAt: 'ASC' } });
    return rows.map((r) => ({ platform: r.platform, appKey: r.appKey }));
  }
}
