import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, BadRequestException, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { CouponRoles, MerchantContextGuard, MerchantId } from '../auth/merchant-context.guard';
import { CampaignsService, type CampaignView } from './campaigns.service';
import { CreateCampaignDto, ListCampaignsQuery, UpdateCampaignDto } from './dto/campaign.dto';

const Id = () => Param('id', new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(['id must be a UUID']) }));

/**
 * Coupon campaigns of the calling merchant (the gateway forwards /coupon-campaigns signed). merchandiser and
 * admin manage; ops reads. Another merchant's campaign id is a 404.
 */
@Controller('coupon-campaigns')
@UseGuards(MerchantContextGuard)
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @HttpCode(201)
  @CouponRoles('merchandiser', 'admin')
  create(@MerchantId() merchantId: string, @Body() body: CreateCampaignDto): Promise<CampaignView> {
    return this.campaigns.create(merchantId, body);
  }

  @Get()
  @CouponRoles('merchandiser', 'admin', 'ops')
  async list(@MerchantId() merchantId: string, @Query() q: ListCampaignsQuery): Promise<{ campaigns: CampaignView[] }> {
    return { campaigns: await this.campaigns.list(merchantId, q.status) };
  }

  @Get(':id')
  @CouponRoles('merchandiser', 'admin', 'ops')
  get(@MerchantId() merchantId: string, @Id() id: string): Promise<CampaignView> {
    return this.campaigns.get(merchantId, id);
  }

  @Patch(':id')
  @CouponRoles('merchandiser', 'admin')
  update(@MerchantId() merchantId: string, @Id() id: string, @Body() body: UpdateCampaignDto): Promise<CampaignView> {
    return this.campaigns.update(merchantId, id, body);
  }

  @Post(':id/start')
  @HttpCode(200)
  @CouponRoles('merchandiser', 'admin')
  start(@MerchantId() merchantId: string, @Id() id: string): Promise<CampaignView> {
    return this.campaigns.start(merchantId, id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @CouponRoles('merchandiser', 'admin')
  stop(@MerchantId() merchantId: string, @Id() id: string): Promise<CampaignView> {
    return this.campaigns.stop(merchantId, id);
  }
}
