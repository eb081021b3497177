import { Body, Controller, Get, HttpCode, Inject, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OperatorMayActFor, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { UuidParam } from '../auth/uuid-param';
import { COUPON_FORWARDER } from '../forwarding/forwarding.module';
import { ServiceForwarder } from '../forwarding/service-forwarder';
import { CouponCampaignListSchema, CouponCampaignSchema, CreateCouponCampaignSchema, UpdateCouponCampaignSchema } from './coupon-campaign.schemas';

export { COUPON_FORWARDER };

/**
 * Coupon campaigns, served by the coupon service (signed forwarding, the caller's merchant and roles). merchandiser
 * and admin manage, ops reads; the service checks the roles again and answers another merchant's id with a 404.
 */
@ApiTags('coupons')
@ApiBearerAuth()
@Controller('coupon-campaigns')
export class CouponCampaignsController {
  constructor(@Inject(COUPON_FORWARDER) private readonly coupon: ServiceForwarder) {}

  private forward(p: Principal, method: 'GET' | 'POST' | 'PATCH', path: string, extra: { body?: unknown; query?: Record<string, unknown> } = {}): Promise<unknown> {
    return this.coupon.forward({ method, path, merchantId: p.merchantId, roles: p.roles, ...extra });
  }

  @Post()
  @Roles('merchandiser', 'admin')
  @ApiOperation({ summary: 'Define a campaign once (threshold / direct / discount, quantity, window, validity, scope, audience, budget); each shop gets its state from its platform (pending / manual / unsupported with the reason). Banned words: 422' })
  @ApiBody({ type: CreateCouponCampaignSchema })
  @ApiOkResponse({ type: CouponCampaignSchema })
  create(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>): Promise<unknown> {
    return this.forward(p, 'POST', '/coupon-campaigns', { body });
  }

  @Get()
  @Roles('merchandiser', 'admin', 'ops')
  @OperatorMayActFor() // the ops page's coupon panel (read only: no buyer data in a campaign)
  @ApiOperation({ summary: "The caller merchant's campaigns (?status=), each with its per-platform state and figures" })
  @ApiOkResponse({ type: CouponCampaignListSchema })
  list(@CurrentPrincipal() p: Principal, @Query() query: Record<string, string>): Promise<unknown> {
    return this.forward(p, 'GET', '/coupon-campaigns', { query });
  }

  @Get(':id')
  @Roles('merchandiser', 'admin', 'ops')
  @ApiOperation({ summary: 'One campaign: per-platform state, remaining stock / redemptions / spend (null until counted)' })
  @ApiOkResponse({ type: CouponCampaignSchema })
  get(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<unknown> {
    return this.forward(p, 'GET', `/coupon-campaigns/${id}`);
  }

  @Patch(':id')
  @Roles('merchandiser', 'admin')
  @ApiOperation({ summary: 'Change the total quantity and / or the budget (409 once the campaign is over)' })
  @ApiBody({ type: UpdateCouponCampaignSchema })
  @ApiOkResponse({ type: CouponCampaignSchema })
  update(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string, @Body() body: Record<string, unknown>): Promise<unknown> {
    return this.forward(p, 'PATCH', `/coupon-campaigns/${id}`, { body });
  }

  @Post(':id/start')
  @HttpCode(200)
  @Roles('merchandiser', 'admin')
  @ApiOperation({ summary: 'draft -> scheduled / active (409 naming the state otherwise)' })
  @ApiOkResponse({ type: CouponCampaignSchema })
  start(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<unknown> {
    return this.forward(p, 'POST', `/coupon-campaigns/${id}/start`);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @Roles('merchandiser', 'admin')
  @ApiOperation({ summary: 'scheduled / active -> stopped; a platform that cannot stop a coupon by API shows manual with the reason' })
  @ApiOkResponse({ type: CouponCampaignSchema })
  stop(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<unknown> {
    return this.forward(p, 'POST', `/coupon-campaigns/${id}/stop`);
  }
}
